// A model on 127.0.0.1 speaking Ollama's native chat API (POST /api/chat, NDJSON lines, the
// last one `"done": true`), as /work/shared/providers.md §4 describes it. Each mock records
// the requests it got and whether the client closed a connection before the answer ended.
import http from 'node:http';

/** One NDJSON line of an Ollama chat stream. */
function line(content, done) {
  const value = { model: 'm:1', created_at: new Date().toISOString(), message: { role: 'assistant', content }, done };
  if (done) {
    Object.assign(value, { done_reason: 'stop', total_duration: 1000, prompt_eval_count: 10, eval_count: 5 });
  }
  return `${JSON.stringify(value)}\n`;
}

export async function startMock(name) {
  const mock = {
    name,
    url: '',
    requests: [],
    /** Connections the client closed while the mock was still answering. */
    abandoned: 0,
    /** What POST /api/chat answers: `{ text }` streamed in two pieces, or `{ hang: true }`. */
    reply: { text: '' },
    server: undefined,
  };
  mock.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ models: [{ name: 'm:1', model: 'm:1' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/api/chat') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = { unparsed: body };
      }
      mock.requests.push(parsed);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const reply = mock.reply;
      if (reply.hang) {
        // A model that is slow to think: one piece, then nothing until the client gives up.
        res.write(line('Thinking', false));
        res.on('close', () => {
          if (!res.writableEnded) {
            mock.abandoned += 1;
          }
        });
        return;
      }
      const text = reply.text;
      const cut = Math.floor(text.length / 2);
      res.write(line(text.slice(0, cut), false));
      res.write(line(text.slice(cut), false));
      res.end(line('', true));
    });
  });
  await new Promise((resolve) => mock.server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${String(mock.server.address().port)}`;
  return mock;
}

export function stopMock(mock) {
  mock.server.closeAllConnections();
  mock.server.close();
}

/** Whether any request to the mock contains `text` (in its messages' content). */
export function sawText(mock, text) {
  return mock.requests.some((r) => JSON.stringify(r.messages ?? r).includes(text));
}
