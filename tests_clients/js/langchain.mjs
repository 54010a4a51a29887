// LangChain.js's ChatOpenAI.withStructuredOutput in each method against the mock, unscripted:
// `node langchain.mjs METHOD BASE_URL`. Prints one JSON object: the parsed output (already
// validated by LangChain's own parser against the zod schema) and what the model was sent.
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";

const [method, baseURL, apiKey = "sk-test-js"] = process.argv.slice(2);
const model = new ChatOpenAI({
  model: "o3-mini",
  apiKey,
  configuration: { baseURL },
  maxRetries: 0,
  timeout: 20_000,
});

const City = z.object({
  name: z.string().describe("the city's name"),
  population: z.number().int().describe("how many people live there"),
  continent: z.enum(["Africa", "America", "Asia", "Europe", "Oceania"]),
});

// jsonMode sends only `response_format: json_object`: the shape is the prompt's to state
// (LangChain.js's own jsonMode test states its keys the same way).
const prompts = {
  jsonMode: [
    [
      "system",
      "Respond in JSON with the keys name (string), population (integer) and continent " +
        "(one of 'Africa', 'America', 'Asia', 'Europe', 'Oceania').",
    ],
    ["human", "Tell me about Tokyo."],
  ],
};
const messages = prompts[method] ?? [["human", "Tell me about Tokyo."]];

const structured = model.withStructuredOutput(City, { method, name: "city" });
const parsed = await structured.invoke(messages);
console.log(JSON.stringify({ parsed, valid: City.safeParse(parsed).success }));
