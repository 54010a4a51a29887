// The official openai JavaScript SDK used as an application would use it, one scenario per
// run: `node sdk.mjs SCENARIO BASE_URL`. Prints one JSON object (what the scenario saw) on
// stdout; tests_clients/test_js_sdk.py scripts the mock, runs this and checks the result.
import OpenAI from "openai";

const [scenario, baseURL, apiKey = "sk-test-js"] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

// The application's own tool: the loop below must call it with the model's arguments.
function getWeather({ city }) {
  return JSON.stringify({ city, temperature: 18, unit: "celsius" });
}

const scenarios = {
  async create() {
    const completion = await client.chat.completions.create({
      model: "o3-mini",
      messages: [{ role: "user", content: "Hello" }],
    });
    return {
      object: completion.object,
      model: completion.model,
      content: completion.choices[0].message.content,
      finish_reason: completion.choices[0].finish_reason,
      reasoning_tokens: completion.usage?.completion_tokens_details?.reasoning_tokens ?? null,
    };
  },

  async raw() {
    const { data, response } = await client.chat.completions
      .create({ model: "o3-mini", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    return {
      status: response.status,
      request_id: data._request_id ?? response.headers.get("x-request-id"),
      content: data.choices[0].message.content,
    };
  },

  async stream() {
    const stream = await client.chat.completions.create({
      model: "o3-mini",
      messages: [{ role: "user", content: "Tell me about tides" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? "";
        finish = choice.finish_reason ?? finish;
      }
    }
    return { text, finish_reason: finish, total_tokens: usage?.total_tokens ?? null };
  },

  // The SDK's own stream helper: it folds the chunks into a ChatCompletion.
  async stream_helper() {
    const runner = client.chat.completions.stream({
      model: "o3-mini",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const completion = await runner.finalChatCompletion();
    const message = completion.choices[0].message;
    return {
      content: message.content,
      tool_calls: (message.tool_calls ?? []).map((c) => ({
        id: c.id,
        name: c.function.name,
        arguments: JSON.parse(c.function.arguments),
      })),
      finish_reason: completion.choices[0].finish_reason,
    };
  },

  // The documented loop: call the tools the model asks for until it answers in text.
  async tools() {
    const messages = [{ role: "user", content: "What is the weather in Paris?" }];
    const calls = [];
    for (let turn = 0; turn < 5; turn++) {
      const completion = await client.chat.completions.create({
        model: "o3-mini",
        messages,
        tools: [WEATHER_TOOL],
      });
      const message = completion.choices[0].message;
      messages.push(message);
      if (!message.tool_calls?.length) {
        return { answer: message.content, calls, turns: turn + 1 };
      }
      for (const call of message.tool_calls) {
        const args = JSON.parse(call.function.arguments);
        calls.push({ name: call.function.name, arguments: args });
        messages.push({ role: "tool", tool_call_id: call.id, content: getWeather(args) });
      }
    }
    throw new Error("the model never answered in text");
  },

  // The SDK's automated loop (runTools) with a parsed function tool.
  async run_tools() {
    const runner = client.chat.completions.runTools({
      model: "o3-mini",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [
        {
          type: "function",
          function: { ...WEATHER_TOOL.function, function: getWeather, parse: JSON.parse },
        },
      ],
    });
    const answer = await runner.finalContent();
    return { answer, messages: runner.messages.length };
  },

  async error() {
    try {
      await client.chat.completions.create({
        model: "o3-mini",
        messages: [{ role: "user", content: "Hello" }],
      });
    } catch (err) {
      const classes = [
        "APIError",
        "BadRequestError",
        "AuthenticationError",
        "RateLimitError",
        "InternalServerError",
      ].filter((name) => err instanceof OpenAI[name]);
      return {
        class: err.constructor.name,
        instance_of: classes,
        status: err.status ?? null,
        message: err.message,
        code: err.code ?? null,
        param: err.param ?? null,
        error: err.error ?? null,
      };
    }
    throw new Error("expected an error");
  },

  // A parameter o3-mini rejects: the SDK must surface the provider's own 400.
  async temperature() {
    try {
      await client.chat.completions.create({
        model: "o3-mini",
        messages: [{ role: "user", content: "Hello" }],
        temperature: 0.2,
      });
    } catch (err) {
      return {
        class: err.constructor.name,
        status: err.status ?? null,
        code: err.code ?? null,
        param: err.param ?? null,
        message: err.message,
      };
    }
    throw new Error("expected an error");
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(await run()) + "\n");
