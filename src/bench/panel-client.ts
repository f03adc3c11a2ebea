import { setTimeout as sleep } from 'node:timers/promises';
import { JSON_HEADERS } from './panel-process.js';
import { type Arrival, type StateEvent, StateStream } from './sse.js';

interface ServerRow {
  id: number;
  actual_state: string;
  last_error: string;
}

/** The few JSON calls the supervisor bench makes, logged in as the bench admin. */
export class PanelClient {
  constructor(
    readonly base: string,
    readonly auth: { cookie: string },
  ) {}

  async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers: { ...JSON_HEADERS, ...this.auth },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async createServer(name: string, port: number, blueprintId: number): Promise<number> {
    return (await this.call<{ id: number }>('POST', '/servers', { name, port, blueprint_id: blueprintId }))
      .id;
  }

  async servers(): Promise<ServerRow[]> {
    return (await this.call<{ servers: ServerRow[] }>('GET', '/servers')).servers;
  }

  /** Polls GET /servers until every one of ids is in state; throws on timeout or (waiting for running) on failed. */
  async waitAll(ids: readonly number[], state: string, timeoutMs: number): Promise<void> {
    const wanted = new Set(ids);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = (await this.servers()).filter((row) => wanted.has(row.id));
      const failed = rows.find((row) => row.actual_state === 'failed');
      if (state === 'running' && failed) throw new Error(`server ${failed.id} failed: ${failed.last_error}`);
      const done = rows.filter((row) => row.actual_state === state).length;
      if (done === wanted.size) return;
      if (Date.now() > deadline)
        throw new Error(`${done}/${wanted.size} servers ${state} after ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  events(id: number): Promise<StateStream> {
    return StateStream.open(`${this.base}/servers/${id}/events`, this.auth);
  }
}

/** The next arrival of `state` on the stream; a `failed` state ends the wait with its last_error. */
export function nextState(stream: StateStream, state: string, timeoutMs: number): Promise<Arrival> {
  const arrival = stream
    .next((event: StateEvent) => event.actual_state === state || event.actual_state === 'failed', timeoutMs)
    .then((found) => {
      if (found.event.actual_state !== state) throw new Error(`server failed: ${found.event.last_error}`);
      return found;
    });
  arrival.catch(() => undefined);
  return arrival;
}
