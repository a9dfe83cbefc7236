// A model on 127.0.0.1 speaking Ollama's native API, as /work/shared/providers.md §4
// describes it: chat (POST /api/chat) and fill in the middle (POST /api/generate with
// `prompt` and `suffix`), each answering NDJSON lines, the last one `"done": true`. Each mock
// records the requests it got and whether the client closed a connection before the answer
// ended.
import http from 'node:http';

/** One NDJSON line of an Ollama chat stream. */
function line(content, done) {
  const value = { model: 'm:1', created_at: new Date().toISOString(), message: { role: 'assistant', content }, done };
  if (done) {
    Object.assign(value, { done_reason: 'stop', total_duration: 1000, prompt_eval_count: 10, eval_count: 5 });
  }
  return `${JSON.stringify(value)}\n`;
}

/** One NDJSON line of an Ollama generate stream. */
function generateLine(response, done) {
  const value = { model: 'm:1', created_at: new Date().toISOString(), response, done };
  if (done) {
    Object.assign(value, { done_reason: 'stop', total_duration: 1000, prompt_eval_count: 40, eval_count: 7 });
  }
  return `${JSON.stringify(value)}\n`;
}

/**
 * What a code model fills in at the cursor when the line it should write is `line`: the
 * rest of it after what the prompt's last line (the cursor's line, before the cursor)
 * already holds; nothing when that text is not the line's start.
 */
function middle(line, prompt) {
  const typed = prompt.slice(prompt.lastIndexOf('\n') + 1).trimStart();
  return line.startsWith(typed) ? `${line.slice(typed.length)}\n` : '';
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
    /** The bodies of POST /api/generate requests (also in `requests`). */
    generated: [],
    /** The line POST /api/generate fills in: what of it the cursor's line lacks. */
    fillLine: '',
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
      if (req.method !== 'POST' || (req.url !== '/api/chat' && req.url !== '/api/generate')) {
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
      if (req.url === '/api/generate') {
        mock.generated.push(parsed);
        const text = middle(mock.fillLine, String(parsed.prompt ?? ''));
        const cut = Math.floor(text.length / 2);
        res.write(generateLine(text.slice(0, cut), false));
        res.write(generateLine(text.slice(cut), false));
        res.end(generateLine('', true));
        return;
      }
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
