// Agent frameworks against whalesong-cli serve: Vercel's AI SDK (@ai-sdk/openai-compatible, @ai-sdk/deepseek) and
// LangChain (@langchain/openai), as their users call them — tools with a forced choice, structured output from a
// zod schema — on a tiny random-weights model, where only the server's constrained decoding can make the output
// valid. Every schema here is bounded (short strings, enums), so random weights finish it.
//   node agent_sdks.mjs BASE_URL(with /v1) API_KEY MODEL
// Prints one "PASS name" / "FAIL name -- detail" line per check; exit status 1 when any failed.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createDeepSeek } from '@ai-sdk/deepseek';
import { generateText, streamText, generateObject, tool } from 'ai';
import { z } from 'zod';
import { ChatOpenAI } from '@langchain/openai';

const [baseURL, apiKey, model] = process.argv.slice(2);
let failures = 0;
function check(name, ok, detail) {
  if (!ok) failures++;
  console.log((ok ? 'PASS ' : 'FAIL ') + name + (!ok && detail ? ' -- ' + detail : ''));
}
async function part(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name + ' (no exception)', false, String(e?.stack ?? e).slice(0, 800));
  }
}
const show = (x) => JSON.stringify(x)?.slice(0, 300);

const weather = z.object({ city: z.string().max(10), unit: z.enum(['celsius', 'fahrenheit']) });
const person = z.object({ name: z.string().max(8), vip: z.boolean(), tier: z.enum(['gold', 'silver']) });
const prompt = 'What is the weather in Hangzhou?';

const compatible = createOpenAICompatible({ name: 'whalesong', baseURL, apiKey, supportsStructuredOutputs: true });
// DeepSeek's provider with its documented base URL form: no /v1
const deepseek = createDeepSeek({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey });

for (const [label, m] of [['AI SDK openai-compatible', compatible.chatModel(model)],
                          ['AI SDK deepseek', deepseek.chat(model)]]) {
  await part(label + ' generateText toolChoice required', async () => {
    // temperature 0: DeepSeek's provider drops `seed` (DeepSeek's API has none), and a random model sampled
    // freely may go on calling the tool until maxOutputTokens cuts it (finish "length"), one run in a few.
    const r = await generateText({ model: m, prompt, maxOutputTokens: 300, seed: 4, temperature: 0, maxRetries: 0,
      tools: { getWeather: tool({ description: 'The weather of a city.', inputSchema: weather }) },
      toolChoice: 'required' });
    const call = r.toolCalls[0];
    check(label + ': generateText with toolChoice required returns a getWeather call with valid input',
      r.finishReason === 'tool-calls' && call?.toolName === 'getWeather' && weather.safeParse(call.input).success,
      show({ finish: r.finishReason, calls: r.toolCalls }));
  });
  await part(label + ' streamText tool', async () => {
    const r = streamText({ model: m, prompt, maxOutputTokens: 300, seed: 5, maxRetries: 0,
      tools: { getWeather: tool({ description: 'The weather of a city.', inputSchema: weather }) },
      toolChoice: { type: 'tool', toolName: 'getWeather' } });
    const calls = await r.toolCalls;
    check(label + ': streamText with a named tool streams a valid getWeather call',
      calls.length === 1 && calls[0].toolName === 'getWeather' && weather.safeParse(calls[0].input).success,
      show(calls));
  });
}

await part('AI SDK generateObject', async () => {
  const r = await generateObject({ model: compatible.chatModel(model), schema: person, prompt: 'A customer.',
    maxOutputTokens: 300, seed: 6, maxRetries: 0 });
  check('AI SDK: generateObject with a zod schema returns an object that satisfies it',
    person.safeParse(r.object).success, show(r.object));
});

const chat = new ChatOpenAI({ model, apiKey, configuration: { baseURL }, maxRetries: 0, maxTokens: 300,
  temperature: 1 });
await part('LangChain bindTools', async () => {
  const bound = chat.bindTools([{ name: 'get_weather', description: 'The weather of a city.', schema: weather }],
    { tool_choice: 'required' });
  const msg = await bound.invoke(prompt);
  const call = msg.tool_calls?.[0];
  check('LangChain: bindTools with tool_choice required gives tool_calls with parsed args',
    call?.name === 'get_weather' && weather.safeParse(call.args).success, show(msg.tool_calls));
});
for (const method of ['jsonSchema', 'functionCalling']) {
  await part('LangChain withStructuredOutput ' + method, async () => {
    const structured = chat.withStructuredOutput(person, { method });
    const out = await structured.invoke('A customer.');
    check('LangChain: withStructuredOutput (' + method + ') returns an object that satisfies the schema',
      person.safeParse(out).success, show(out));
  });
}

process.exit(failures ? 1 : 0);
