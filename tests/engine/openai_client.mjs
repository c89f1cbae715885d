// The official OpenAI SDK for Node (npm `openai`, v4) against whalesong's API server: what a client written for
// OpenAI's or DeepSeek's API sees. Run by test_api_server.py from a folder where `openai` is installed:
//
//     node openai_client.mjs BASE_URL API_KEY MODEL_ID
//
// Prints one PASS/FAIL line per check (a failure's detail after " -- "); exits 1 when any failed.
import OpenAI from 'openai';

const [baseURL, apiKey, model] = process.argv.slice(2);
if (!baseURL || !apiKey || !model) {
  console.error('usage: node openai_client.mjs BASE_URL API_KEY MODEL_ID');
  process.exit(2);
}

let failures = 0;
function check(name, ok, detail = '') {
  // The detail follows " -- " (names may hold ": ").
  console.log((ok ? 'PASS ' : 'FAIL ') + name + (!ok && detail ? ' -- ' + detail : ''));
  if (!ok) failures += 1;
}
// One check's code; an unexpected exception fails it.
async function part(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, 'threw ' + (e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e)));
  }
}
const show = (x) => JSON.stringify(x)?.slice(0, 300);

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Tell me about whales.' },
];

// A 2-4 character piece from the middle of `text`, no whitespace in it, whose first occurrence is not at the start.
function pickStop(text) {
  const chars = Array.from(text); // code points, as the server's strings are
  const n = chars.length;
  for (const len of [3, 2, 4]) {
    const starts = [];
    for (let i = 1; i < n - len; i++) starts.push(i);
    starts.sort((a, b) => Math.abs(a - (n >> 1)) - Math.abs(b - (n >> 1)));
    for (const s of starts) {
      const piece = chars.slice(s, s + len).join('');
      if (/\s/.test(piece)) continue;
      const p = text.indexOf(piece);
      if (p >= 1) return [piece, text.slice(0, p)];
    }
  }
  return [null, null];
}

await part('models.list() contains the model', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  check('models.list() contains the model', ids.includes(model), show(ids));
  const one = await client.models.retrieve(model);
  check('models.retrieve()', one.id === model && one.object === 'model', show(one));
});

let plain = null;
await part('chat.completions.create', async () => {
  plain = await client.chat.completions.create({ model, messages, max_tokens: 6, seed: 5, temperature: 1 });
  const c = plain.choices[0];
  check('chat.completions.create: a chat.completion',
    plain.object === 'chat.completion' && plain.id.startsWith('chatcmpl-') && plain.model === model &&
    c.message.role === 'assistant' && typeof c.message.content === 'string', show(plain));
  check('chat.completions.create: finish_reason', ['stop', 'length'].includes(c.finish_reason), show(c));
  const u = plain.usage;
  check('chat.completions.create: usage',
    u && Number.isInteger(u.prompt_tokens) && Number.isInteger(u.completion_tokens) &&
    u.total_tokens === u.prompt_tokens + u.completion_tokens && u.completion_tokens <= 6, show(u));
});

await part('stream', async () => {
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 6, seed: 5, temperature: 1, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    const ch = chunk.choices[0];
    if (ch?.delta?.content) text += ch.delta.content;
    if (ch?.finish_reason) finish = ch.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  const want = plain?.choices[0].message.content;
  check('stream: the deltas join to the non-streamed text', chunks > 1 && text === want, show([text, want]));
  check('stream: finish_reason as non-streamed', finish === plain?.choices[0].finish_reason, show(finish));
  check('stream: include_usage gives the usage',
    usage !== null && usage.completion_tokens === plain?.usage.completion_tokens &&
    usage.total_tokens === usage.prompt_tokens + usage.completion_tokens, show(usage));
});

await part('content parts', async () => {
  const opts = { model, max_tokens: 5, seed: 6, temperature: 1 };
  const a = await client.chat.completions.create({
    ...opts,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Tell me' }, { type: 'text', text: 'about whales.' }] }],
  });
  const b = await client.chat.completions.create({
    ...opts, messages: [{ role: 'user', content: 'Tell me\nabout whales.' }],
  });
  check('content parts: the same answer as the joined string',
    a.choices[0].message.content === b.choices[0].message.content, show([a.choices[0], b.choices[0]]));
});

await part('stop', async () => {
  const opts = { model, messages, max_tokens: 16, seed: 9, temperature: 1 };
  const full = await client.chat.completions.create(opts);
  const text = full.choices[0].message.content;
  const [piece, before] = pickStop(text);
  if (piece === null) {
    check('stop: a piece of the answer to stop at', false, show(text));
    return;
  }
  const cut = await client.chat.completions.create({ ...opts, stop: [piece] });
  check('stop: the answer ends just before the stop string',
    cut.choices[0].message.content === before && cut.choices[0].finish_reason === 'stop',
    show({ piece, text, got: cut.choices[0] }));
});

await part('max_tokens', async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: 3, seed: 10, temperature: 1 });
  const c = r.choices[0];
  check('max_tokens 3: finish_reason length after 3 tokens',
    (c.finish_reason === 'length' && r.usage.completion_tokens === 3) ||
    (c.finish_reason === 'stop' && r.usage.completion_tokens <= 3), show(r));
});

await part('a wrong key', async () => {
  const bad = new OpenAI({ baseURL, apiKey: apiKey + '-wrong', maxRetries: 0 });
  try {
    await bad.chat.completions.create({ model, messages, max_tokens: 2 });
    check('a wrong key: AuthenticationError (401)', false, 'no error');
  } catch (e) {
    check('a wrong key: AuthenticationError (401)', e instanceof OpenAI.AuthenticationError && e.status === 401,
      String(e));
  }
});

await part('a bad temperature', async () => {
  try {
    await client.chat.completions.create({ model, messages, max_tokens: 2, temperature: 5 });
    check('a bad temperature: BadRequestError (400)', false, 'no error');
  } catch (e) {
    check('a bad temperature: BadRequestError (400) naming temperature',
      e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'temperature', String(e));
  }
});

await part('an unknown model', async () => {
  try {
    await client.chat.completions.create({ model: model + '-nope', messages, max_tokens: 2 });
    check('an unknown model: NotFoundError (404)', false, 'no error');
  } catch (e) {
    check('an unknown model: NotFoundError (404)', e instanceof OpenAI.NotFoundError && e.status === 404, String(e));
  }
});

await part('structured output', async () => {
  // bounded, so random weights finish it: see WEATHER_SCHEMA in test_api_server.py
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 10 },
      age: { type: 'integer' },
      pets: { type: 'array', items: { enum: ['cat', 'dog', 'whale'] }, maxItems: 3 },
    },
    required: ['name', 'age', 'pets'],
    additionalProperties: false,
  };
  const r = await client.chat.completions.create({
    model, messages, max_tokens: 600, seed: 5,
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
  });
  let v = null;
  try { v = JSON.parse(r.choices[0].message.content); } catch { /* reported below */ }
  check('response_format json_schema: content parses and satisfies the schema',
    r.choices[0].finish_reason === 'stop' && v !== null && typeof v.name === 'string' && v.name.length <= 10 &&
    Number.isInteger(v.age) && Array.isArray(v.pets) && v.pets.length <= 3 &&
    v.pets.every((p) => ['cat', 'dog', 'whale'].includes(p)) && Object.keys(v).join() === 'name,age,pets',
    show(r.choices[0]));
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 600, seed: 6, stream: true,
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
  });
  let text = '', finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  let w = null;
  try { w = JSON.parse(text); } catch { /* reported below */ }
  check('response_format json_schema streamed: joined deltas parse', finish === 'stop' && w !== null &&
    Number.isInteger(w.age), show(text));
  try {
    await client.chat.completions.create({
      model, messages, max_tokens: 2,
      response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'string', format: 'email' } } },
    });
    check('an unsupported schema keyword: BadRequestError naming it', false, 'no error');
  } catch (e) {
    check('an unsupported schema keyword: BadRequestError naming it', e instanceof OpenAI.BadRequestError &&
      e.param === 'response_format.json_schema.schema.format', String(e));
  }
});

await part('logprobs', async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: 6, seed: 3, logprobs: true,
    top_logprobs: 2 });
  const content = r.choices[0].logprobs?.content ?? [];
  check('logprobs: choices[0].logprobs.content with token, logprob, bytes, top_logprobs',
    content.length >= 5 && content.every((e) => typeof e.token === 'string' && e.logprob <= 0 &&
      Array.isArray(e.bytes) && e.top_logprobs.length === 2), show(r.choices[0].logprobs));
});

await part('tools', async () => {
  const tools = [{
    type: 'function',
    function: {
      name: 'get_weather', description: 'The weather of a city.',
      parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'],
        additionalProperties: false },
    },
  }];
  const r = await client.chat.completions.create({ model, messages, max_tokens: 300, seed: 8, tools,
    tool_choice: 'required' });
  const call = r.choices[0].message.tool_calls?.[0];
  let args = null;
  try { args = JSON.parse(call.function.arguments); } catch { /* reported below */ }
  check('tools, tool_choice required: a get_weather call with JSON arguments, finish_reason tool_calls',
    r.choices[0].finish_reason === 'tool_calls' && call?.function?.name === 'get_weather' &&
    typeof args?.city === 'string', show(r.choices[0]));
  // the SDK's streaming helper assembles the call from the deltas
  const runner = client.beta.chat.completions.stream({ model, messages, max_tokens: 300, seed: 8, tools,
    tool_choice: 'required' });
  const final = await runner.finalChatCompletion();
  check('tools streamed: the SDK assembles the same call',
    final.choices[0].message.tool_calls?.[0]?.function?.arguments === call?.function?.arguments,
    show(final.choices[0].message));
  // and the conversation goes on with the result
  const next = await client.chat.completions.create({ model, max_tokens: 3, tools, messages: [...messages,
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' }] });
  check('a tool result continues the conversation', typeof next.choices[0].message.content === 'string',
    show(next.choices[0]));
});

process.exit(failures ? 1 : 0);
