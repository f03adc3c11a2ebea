/**
 * A local stand-in for the Steam Web API and Steam's file servers (never the real ones), for the
 * tests and the bench: the two ISteamRemoteStorage calls the panel makes, answered as Steam answers
 * them, and GET /files/<id> serving each item's bytes (from memory or streamed from a file), whole or
 * cut short. Listens on 127.0.0.1, an ephemeral port.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeItem {
  id: string;
  title?: string;
  /** consumer_app_id; 550 (L4D2) unless given. */
  appId?: number;
  /** Steam's result; 1 unless given (9: not found). */
  result?: number;
  /** What the file server sends. */
  body?: Buffer;
  /** Or a file it streams (a large one for the bench). */
  file?: string;
  /** file_size announced; the body's length unless given. */
  fileSize?: number;
  /** No public download: an empty file_url, as Steam answers for a private item. */
  private?: boolean;
  timeUpdated?: number;
  /** Send only the first half of the body (a complete response of half the size announced). */
  cutShort?: boolean;
  /** Promise the whole body (Content-Length), send half of it, then drop the connection. */
  dropHalfway?: boolean;
}

export interface FakeCollection {
  id: string;
  title?: string;
  children: Array<{ id: string; collection?: boolean }>;
}

export interface FakeRequest {
  method: string;
  path: string;
  contentType: string;
  form: Record<string, string>;
}

export interface FakeSteam {
  url: string;
  items: Map<string, FakeItem>;
  collections: Map<string, FakeCollection>;
  requests: FakeRequest[];
  fileUrl(id: string): string;
  close(): Promise<void>;
}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return Object.fromEntries(new URLSearchParams(text));
}

function sizeOf(item: FakeItem): number {
  return item.file ? statSync(item.file).size : (item.body?.length ?? 0);
}

function ids(form: Record<string, string>, countField: string): string[] {
  const count = Number(form[countField] ?? 0);
  return Array.from({ length: count }, (_, index) => form[`publishedfileids[${index}]`] ?? '');
}

export async function startFakeSteam(
  setup: { items?: FakeItem[]; collections?: FakeCollection[] } = {},
): Promise<FakeSteam> {
  const items = new Map((setup.items ?? []).map((item) => [item.id, item]));
  const collections = new Map((setup.collections ?? []).map((c) => [c.id, c]));
  const requests: FakeRequest[] = [];
  let base = '';

  const details = (id: string) => {
    const collection = collections.get(id);
    if (collection)
      return {
        publishedfileid: id,
        result: 1,
        creator_app_id: 766,
        consumer_app_id: 550,
        filename: '',
        file_size: 0,
        file_url: '',
        title: collection.title ?? `Collection ${id}`,
        time_updated: 1700000000,
      };
    const item = items.get(id);
    if (!item || (item.result ?? 1) !== 1) return { publishedfileid: id, result: item?.result ?? 9 };
    return {
      publishedfileid: id,
      result: 1,
      creator: '76561197960265729',
      creator_app_id: 550,
      consumer_app_id: item.appId ?? 550,
      filename: `myl4d2addons/${id}.vpk`,
      // Steam sends the size as a string.
      file_size: String(item.fileSize ?? sizeOf(item)),
      file_url: item.private ? '' : `${base}/files/${id}`,
      title: item.title ?? `Item ${id}`,
      time_updated: item.timeUpdated ?? 1700000000,
    };
  };

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const form = request.method === 'POST' ? await readForm(request) : {};
    requests.push({
      method: request.method ?? '',
      path: url.pathname,
      contentType: request.headers['content-type'] ?? '',
      form,
    });
    const json = (body: unknown) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    };
    if (request.method === 'POST' && url.pathname === '/ISteamRemoteStorage/GetPublishedFileDetails/v1/') {
      const list = ids(form, 'itemcount').map(details);
      return json({ response: { result: 1, resultcount: list.length, publishedfiledetails: list } });
    }
    if (request.method === 'POST' && url.pathname === '/ISteamRemoteStorage/GetCollectionDetails/v1/') {
      const list = ids(form, 'collectioncount').map((id) => {
        const collection = collections.get(id);
        if (!collection) return { publishedfileid: id, result: items.has(id) ? 1 : 9 };
        return {
          publishedfileid: id,
          result: 1,
          children: collection.children.map((child, index) => ({
            publishedfileid: child.id,
            sortorder: index + 1,
            filetype: child.collection ? 2 : 0,
          })),
        };
      });
      return json({ response: { result: 1, resultcount: list.length, collectiondetails: list } });
    }
    const file = /^\/files\/(\d+)$/.exec(url.pathname);
    const item = file ? items.get(file[1] ?? '') : undefined;
    if (request.method === 'GET' && item?.file) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': sizeOf(item) });
      createReadStream(item.file).pipe(response);
      return;
    }
    if (request.method === 'GET' && item?.body) {
      const half = item.body.subarray(0, Math.floor(item.body.length / 2));
      const body = item.cutShort ? half : item.body;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      if (item.dropHalfway) {
        response.write(half, () => response.destroy());
        return;
      }
      return response.end(body);
    }
    response.statusCode = 404;
    response.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    items,
    collections,
    requests,
    fileUrl: (id) => `${base}/files/${id}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
