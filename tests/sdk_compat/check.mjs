// Runs the official OpenAI and Anthropic Node SDKs against a vllm-sr data plane and prints what
// each call ended with, one JSON line per case: the text, the reasoning, the tool calls (name and
// arguments) and the stop reason as the SDK assembled them — or the error it threw. The C++ test
// (tests/integration/sdk_compat_test.cpp) runs this against fake backends and checks the lines.
//
//   node check.mjs http://127.0.0.1:PORT MODEL...
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const [base, ...models] = process.argv.slice(2);
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10000 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'unused', maxRetries: 0, timeout: 10000 });

const chatTools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
const anthropicTools = [{ name: 'weather', input_schema: { type: 'object' } }];
const responsesTools = [{ type: 'function', name: 'weather', parameters: { type: 'object' } }];
const chat = (model) => ({ model, tools: chatTools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
const messages = (model) => ({
  model, max_tokens: 100, tools: anthropicTools, messages: [{ role: 'user', content: 'Weather in Paris?' }],
});
const responses = (model) => ({ model, tools: responsesTools, input: 'Weather in Paris?' });

function fromChat(completion) {
  const choice = completion.choices[0];
  const m = choice.message;
  return {
    text: m.content ?? '',
    reasoning: m.reasoning_content ?? '',
    tools: (m.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments]),
    stop: choice.finish_reason,
  };
}

function fromMessage(message) {
  const blocks = message.content;
  return {
    text: blocks.filter((b) => b.type === 'text').map((b) => b.text).join(''),
    reasoning: blocks.filter((b) => b.type === 'thinking').map((b) => b.thinking).join(''),
    tools: blocks.filter((b) => b.type === 'tool_use').map((b) => [b.name, JSON.stringify(b.input)]),
    stop: message.stop_reason,
  };
}

function fromResponse(response) {
  return {
    text: response.output_text ?? '',
    reasoning: '',
    tools: response.output.filter((o) => o.type === 'function_call').map((o) => [o.name, o.arguments]),
    stop: response.status,
  };
}

const cases = {
  'chat': async (m) => fromChat(await openai.chat.completions.create(chat(m))),
  'chat-stream': async (m) => {
    // The SDK's assembled completion keeps only the last piece of a field it does not know
    // (reasoning_content), so the reasoning is read from the chunks.
    const stream = openai.beta.chat.completions.stream(chat(m));
    let reasoning = '';
    stream.on('chunk', (c) => { reasoning += c.choices[0]?.delta?.reasoning_content ?? ''; });
    return { ...fromChat(await stream.finalChatCompletion()), reasoning };
  },
  'messages': async (m) => fromMessage(await anthropic.messages.create(messages(m))),
  'messages-stream': async (m) => fromMessage(await anthropic.messages.stream(messages(m)).finalMessage()),
  'responses': async (m) => fromResponse(await openai.responses.create(responses(m))),
  'responses-stream': async (m) => {
    const stream = openai.responses.stream(responses(m));
    let reasoning = '';
    stream.on('response.reasoning_text.delta', (e) => { reasoning += e.delta; });
    return { ...fromResponse(await stream.finalResponse()), reasoning };
  },
};

for (const model of models) {
  for (const [name, run] of Object.entries(cases)) {
    try {
      console.log(JSON.stringify({ model, case: name, ...(await run(model)) }));
    } catch (e) {
      console.log(JSON.stringify({ model, case: name, error: `${e.status ?? ''} ${e.message}` }));
    }
  }
}
