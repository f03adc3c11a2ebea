import http from 'node:http';

/**
 * The ceiling: a bare node:http server answering with the exact bytes the panel sent
 * (`GET path` → the captured body; POST → a JSON id), with nothing else to do.
 */
export function startRawServer(responses: Map<string, { type: string; body: Buffer }>): Promise<http.Server> {
  let nextId = 1;
  const server = http.createServer((request, response) => {
    if (request.method === 'POST') {
      request.resume();
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify({ id: nextId++ }));
      });
      return;
    }
    const canned = responses.get(`${request.url}|${request.headers.accept}`);
    if (!canned) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': canned.type, 'content-length': canned.body.length });
    response.end(canned.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
