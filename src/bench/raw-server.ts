import http from 'node:http';

/** One answer of the panel as captured: status, headers (those node:http sets itself left out), body. */
export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What node:http sets on its own, so never replayed. */
const OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export function replayableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!OWN_HEADERS.has(name)) kept[name] = value;
  });
  return kept;
}

/** The key of a captured answer: `GET /servers|text/html`; a POST or DELETE of any path by method alone. */
export function cannedKey(method: string, url: string, accept: string | undefined): string {
  return method === 'GET' ? `GET ${url}|${accept ?? ''}` : method;
}

/**
 * The ceiling: a bare node:http server answering with the exact bytes the panel sent, headers and
 * body (`GET path` → the captured answer; POST → the captured headers and a fresh `{"id":n}`;
 * DELETE → the captured 204), with nothing else to do.
 */
export function startRawServer(responses: Map<string, CannedResponse>): Promise<http.Server> {
  let nextId = 1;
  const server = http.createServer((request, response) => {
    const canned = responses.get(
      cannedKey(request.method ?? 'GET', request.url ?? '', request.headers.accept),
    );
    if (!canned) {
      response.writeHead(404).end();
      return;
    }
    const answer = () => {
      const body = request.method === 'POST' ? Buffer.from(JSON.stringify({ id: nextId++ })) : canned.body;
      response.writeHead(canned.status, { ...canned.headers, 'content-length': body.length });
      response.end(body);
    };
    if (request.method === 'GET') return answer();
    request.resume();
    request.on('end', answer);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
