// A conforming client for `mockserver conform`, with the official openai SDK for Node:
// make the one call CONFORM_REQUEST describes and print what came back as one JSON object.
import OpenAI from "openai";

const request = JSON.parse(process.env.CONFORM_REQUEST);
const client = new OpenAI(); // reads OPENAI_BASE_URL and OPENAI_API_KEY
const usageOf = (u) =>
  u ? { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens } : null;
try {
  if (!request.stream) {
    const done = await client.chat.completions.create(request);
    const choices = done.choices.map((c) => ({
      index: c.index, content: c.message.content, refusal: c.message.refusal, finish_reason: c.finish_reason,
      tool_calls: (c.message.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })),
    }));
    console.log(JSON.stringify({ choices, usage: usageOf(done.usage) }));
  } else {
    const choices = new Map();
    let usage = null;
    for await (const chunk of await client.chat.completions.create(request)) {
      if (chunk.usage) usage = usageOf(chunk.usage);
      for (const c of chunk.choices) {
        if (!choices.has(c.index)) choices.set(c.index, { index: c.index, content: null, refusal: null, tool_calls: [], finish_reason: null });
        const out = choices.get(c.index);
        for (const key of ["content", "refusal"]) if (c.delta[key] != null) out[key] = (out[key] ?? "") + c.delta[key];
        for (const t of c.delta.tool_calls ?? []) {
          while (out.tool_calls.length <= t.index) out.tool_calls.push({ id: "", name: "", arguments: "" });
          const call = out.tool_calls[t.index];
          call.id ||= t.id ?? "";
          call.name += t.function?.name ?? "";
          call.arguments += t.function?.arguments ?? "";
        }
        out.finish_reason = c.finish_reason ?? out.finish_reason;
      }
    }
    console.log(JSON.stringify({ choices: [...choices.values()].sort((a, b) => a.index - b.index), usage }));
  }
} catch (error) {
  if (!(error instanceof OpenAI.APIError) || error.status == null) throw error;
  console.log(JSON.stringify({ error: { status: error.status } }));
}
