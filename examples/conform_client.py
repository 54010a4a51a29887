"""A conforming client for `mockserver conform`, with the official openai SDK: make the one
call CONFORM_REQUEST describes and print what came back as one JSON object."""

import json
import os

import openai


def main() -> None:
    request = json.loads(os.environ["CONFORM_REQUEST"])
    client = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY
    try:
        if not request.get("stream"):
            done = client.chat.completions.create(**request)
            usage = done.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}) if done.usage else None  # fmt: skip
            choices = [{"index": c.index, "content": c.message.content, "refusal": c.message.refusal, "finish_reason": c.finish_reason,
                        "tool_calls": [{"id": t.id, "name": t.function.name, "arguments": t.function.arguments} for t in c.message.tool_calls or []]}
                       for c in done.choices]  # fmt: skip
            print(json.dumps({"choices": choices, "usage": usage}))
            return
        choices, usage = {}, None
        for chunk in client.chat.completions.create(**request):
            usage = chunk.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}) if chunk.usage else usage  # fmt: skip
            for c in chunk.choices:
                out = choices.setdefault(c.index, {"index": c.index, "content": None, "refusal": None, "tool_calls": [], "finish_reason": None})  # fmt: skip
                for key in ("content", "refusal"):
                    if getattr(c.delta, key) is not None:
                        out[key] = (out[key] or "") + getattr(c.delta, key)
                for t in c.delta.tool_calls or []:
                    while len(out["tool_calls"]) <= t.index:
                        out["tool_calls"].append({"id": "", "name": "", "arguments": ""})
                    call, function = out["tool_calls"][t.index], t.function
                    call["id"] = call["id"] or t.id or ""
                    call["name"] += (function and function.name) or ""
                    call["arguments"] += (function and function.arguments) or ""
                out["finish_reason"] = c.finish_reason or out["finish_reason"]
        print(json.dumps({"choices": [choices[i] for i in sorted(choices)], "usage": usage}))
    except openai.APIStatusError as error:
        print(json.dumps({"error": {"status": error.status_code}}))


if __name__ == "__main__":
    main()
