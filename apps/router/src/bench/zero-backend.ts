/**
 * A zero-latency OpenAI-compatible backend for the overhead benchmark: answers every POST with a
 * fixed chat.completion JSON at once and GET /health with 200. Run as its own process:
 * `tsx zero-backend.ts PORT`. Prints `ready PORT` when listening.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? '0');
const body = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
  }),
);
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
    return;
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`ready ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
