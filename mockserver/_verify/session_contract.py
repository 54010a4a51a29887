"""``pytest --aimlapi-contract FILE``: the consumer contract of one test session, also when
pytest-xdist spreads the tests over worker processes.

Each process records what its own mocks answered (`consumer.Recorder`). A worker hands its
part to the controller through xdist's own channel (``config.workeroutput``, sent when the
worker's session finishes); the controller, which runs no test itself, writes the union of
the parts (and of its own recording, for a run without workers). The plugin's hooks call
`SessionContract.start` and `finish`, nothing else.
"""

from __future__ import annotations

from typing import Any

from mockserver._verify import consumer

_KEY = "aimlapi_contract"


class SessionContract:
    """The contract a session writes to `path`."""

    def __init__(self, path: str, config: Any) -> None:
        self.path = path
        self.worker = hasattr(config, "workerinput")
        self.recorder = consumer.Recorder()
        self.parts: dict[str, dict[str, Any]] = {}
        """The workers' parts, by worker id."""

    @classmethod
    def start(cls, config: Any, path: str) -> SessionContract:
        """Start recording (``pytest_configure``)."""
        contract = cls(path, config)
        contract.recorder.__enter__()
        if contract.worker:
            config.pluginmanager.register(_Worker(contract, config), "aimlapi-contract-worker")
        elif config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_Controller(contract), "aimlapi-contract-controller")
        return contract

    def finish(self) -> None:
        """Stop recording and, outside a worker, write the contract (``pytest_unconfigure``)."""
        self.recorder.__exit__(None, None, None)
        if self.worker:
            return
        parts = [self.recorder.contract(), *(self.parts[k] for k in sorted(self.parts))]
        consumer.write(self.path, consumer.union(parts))


class _Worker:
    """Hands the worker's part over as its session finishes (xdist sends workeroutput
    after every sessionfinish hook has run)."""

    def __init__(self, contract: SessionContract, config: Any) -> None:
        self.contract, self.config = contract, config

    def pytest_sessionfinish(self) -> None:
        self.config.workeroutput[_KEY] = self.contract.recorder.contract()


class _Controller:
    """Collects each worker's part when the worker is done."""

    def __init__(self, contract: SessionContract) -> None:
        self.contract = contract

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        part = getattr(node, "workeroutput", {}).get(_KEY)
        if part is not None:
            worker = str(node.workerinput.get("workerid", len(self.contract.parts)))
            self.contract.parts[worker] = part
