import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a webhook receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * A webhook target on 127.0.0.1 and an ephemeral port: records each POST and answers with the next of
 * `statuses` (the last one repeats), or never answers when `hang` is set.
 */
export async function startReceiver(options: { statuses?: number[]; hang?: boolean } = {}) {
  const received: Received[] = [];
  const statuses = [...(options.statuses ?? [204])];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      });
      if (options.hang) {
        hanging.add(response);
        return;
      }
      response.statusCode = statuses.length > 1 ? (statuses.shift() as number) : (statuses[0] ?? 204);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    port,
    url: (path = '/hook/secret-token-123') => `http://127.0.0.1:${port}${path}`,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
