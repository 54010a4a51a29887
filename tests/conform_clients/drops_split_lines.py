"""A client without the openai SDK that has the classic framing bug: it parses each network
read on its own, so a line the network cut in two is lost. `mockserver conform` must fail it."""

import json
import os

import httpx

request = json.loads(os.environ["CONFORM_REQUEST"])
url = os.environ["OPENAI_BASE_URL"] + "/chat/completions"
headers = {"authorization": "Bearer " + os.environ["OPENAI_API_KEY"]}
with httpx.stream("POST", url, json=request, headers=headers, timeout=30) as response:
    if response.status_code >= 400:
        print(json.dumps({"error": {"status": response.status_code}}))
        raise SystemExit(0)
    if not request.get("stream"):
        body = json.loads(response.read())
        choices = [{"index": c["index"], "content": c["message"].get("content"), "finish_reason": c["finish_reason"], "refusal": c["message"].get("refusal"),
                    "tool_calls": [{"id": t["id"], **t["function"]} for t in c["message"].get("tool_calls") or []]} for c in body["choices"]]  # fmt: skip
        print(json.dumps({"choices": choices, "usage": body.get("usage")}))
        raise SystemExit(0)
    choices, usage = {}, None
    for read in response.iter_bytes():
        for line in read.decode("utf-8", "replace").splitlines():  # the bug: no buffer
            try:
                chunk = json.loads(line.removeprefix("data:"))
            except ValueError:
                continue
            usage = chunk.get("usage") or usage
            for c in chunk["choices"]:
                out = choices.setdefault(c["index"], {"index": c["index"], "content": None, "refusal": None, "tool_calls": [], "finish_reason": None})  # fmt: skip
                for key in ("content", "refusal"):
                    if c["delta"].get(key) is not None:
                        out[key] = (out[key] or "") + c["delta"][key]
                for t in c["delta"].get("tool_calls") or []:
                    if t.get("id"):
                        out["tool_calls"].append({"id": t["id"], "name": "", "arguments": ""})
                    out["tool_calls"][t["index"]]["name"] += t.get("function", {}).get("name", "")
                    out["tool_calls"][t["index"]]["arguments"] += t.get("function", {}).get(
                        "arguments", ""
                    )
                out["finish_reason"] = c.get("finish_reason") or out["finish_reason"]
print(json.dumps({"choices": [choices[i] for i in sorted(choices)], "usage": usage}))
