// Talks to `agentflow serve` with the official `openai` npm client: lists models, asks for a chat completion with
// logprobs, streams one, and asks for a raw completion; prints what it got as one JSON line.
// Usage: NODE_PATH=<folder with node_modules/openai> node check.cjs http://127.0.0.1:PORT/v1
const openai = require('openai');
const OpenAI = openai.OpenAI ?? openai.default ?? openai;

async function main(baseURL) {
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  const messages = [{ role: 'user', content: 'Name a fruit.' }];
  const models = await client.models.list();
  const chat = await client.chat.completions.create({ model: 'tiny', messages, temperature: 0, max_tokens: 12, seed: 7, logprobs: true });
  const stream = await client.chat.completions.create({
    model: 'tiny', messages, temperature: 0, max_tokens: 12, seed: 7, stream: true, stream_options: { include_usage: true },
  });
  let streamed = '', streamFinish = null, streamUsage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    const choice = chunk.choices[0];
    if (choice?.delta?.content) streamed += choice.delta.content;
    if (choice?.finish_reason) streamFinish = choice.finish_reason;
    if (chunk.usage) streamUsage = chunk.usage;
  }
  const completion = await client.completions.create({ model: 'tiny', prompt: 'abc', max_tokens: 4, temperature: 0 });
  console.log(JSON.stringify({
    models: models.data.map(m => m.id),
    chat: chat.choices[0].message.content,
    chatLogProbs: chat.choices[0].logprobs.content.map(t => t.logprob),
    chatFinish: chat.choices[0].finish_reason,
    streamed, streamFinish, streamUsage, chunks,
    completion: completion.choices[0].text,
  }));
}

main(process.argv[2]).catch(error => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
