/**
 * A real panel process (`node dist/main.js serve`) on a container runtime and an engine of the tests'
 * own, driven through HTTP as a user would: killed with SIGKILL and started again on the same data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Dialect } from '../../src/db/connect.js';
import type { ServerEvent } from '../../src/supervisor/control.js';
import { type OpenStream, openStream, password } from './app.js';
import { type PanelProcess, spawnPanel } from './cli.js';
import { dropDatabase, freshDatabaseUrl } from './dialects.js';
import type { TestEngine } from './dockerd.js';
import { waitFor } from './supervisor.js';

function freeTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type StateEvent = Extract<ServerEvent, { type: 'state' }>;

export class ContainerPanel {
  private panel: PanelProcess | null = null;
  private cookie = '';
  private readonly streams: OpenStream<ServerEvent>[] = [];
  base = '';

  private constructor(
    private readonly env: Record<string, string>,
    readonly dataDir: string,
    private readonly databaseUrl: string,
  ) {}

  /** A panel with RUNTIME=runtime on the engine, the image and a simulated install. */
  static async start(options: {
    runtime: 'docker' | 'swarm';
    engine: TestEngine;
    image: string;
    installDir: string;
    dialect: Dialect;
  }): Promise<ContainerPanel> {
    const dataDir = await mkdtemp(path.join(tmpdir(), `l4d2web-${options.runtime}-panel-`));
    const databaseUrl = await freshDatabaseUrl(options.dialect, dataDir);
    const panel = new ContainerPanel(
      {
        RUNTIME: options.runtime,
        DOCKER_HOST: options.engine.dockerHost,
        SRCDS_IMAGE: options.image,
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        SRCDS_DIR: options.installDir,
        LOG_LEVEL: 'info',
      },
      dataDir,
      databaseUrl,
    );
    await panel.spawn();
    const registered = await panel.call('POST', '/register', { username: 'admin', password });
    panel.cookie = (registered.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return panel;
  }

  /** Starts the panel process (again), on the same data and database. */
  async spawn(): Promise<void> {
    this.panel = spawnPanel({ ...this.env, PORT: String(await freeTcpPort()) });
    this.base = await this.panel.url();
  }

  /** SIGKILL: no chance to tidy up, as a crash or an OOM kill of the panel. */
  async kill(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    panel.child.kill('SIGKILL');
    await panel.exited;
    this.panel = null;
  }

  async call(method: string, route: string, body?: unknown): Promise<Response> {
    return fetch(`${this.base}${route}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(this.cookie && { cookie: this.cookie }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  }

  async json<T = Record<string, unknown>>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await this.call(method, route, body);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async page(route: string): Promise<string> {
    const response = await fetch(`${this.base}${route}`, {
      headers: { accept: 'text/html', cookie: this.cookie },
    });
    return response.text();
  }

  /** GET /servers/:id/events, open until stop(). */
  events(id: number): OpenStream<ServerEvent> {
    const stream = openStream<ServerEvent>(`${this.base}/servers/${id}/events`, this.cookie);
    this.streams.push(stream);
    return stream;
  }

  server(id: number): Promise<Record<string, unknown>> {
    return this.json('GET', `/servers/${id}`);
  }

  async waitForState(id: number, state: string, timeoutMs = 90_000): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        const server = await this.server(id);
        return server.actual_state === state ? server : null;
      },
      { timeoutMs, intervalMs: 200, describe: () => this.server(id) },
    );
  }

  async stop(): Promise<void> {
    for (const stream of this.streams.splice(0)) stream.close();
    if (this.panel) {
      const panel = this.panel;
      this.panel = null;
      await panel.stop();
    }
    await dropDatabase(this.databaseUrl);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The state events a stream has seen, from the first with `from` on. */
function statesSince(stream: OpenStream<ServerEvent>, from = 0): StateEvent[] {
  return stream.events.slice(from).filter((event): event is StateEvent => event.type === 'state');
}

/**
 * Does `crash` to a running server and follows its events: the `crashed` state it goes through (its
 * last_error says why), and back to `running` (the supervisor restarts it). Returns the crashed state.
 */
export async function crashAndBack(
  events: OpenStream<ServerEvent>,
  crash: () => Promise<unknown>,
): Promise<StateEvent> {
  const seen = events.events.length;
  await crash();
  const stateAfter = (state: string) => () =>
    statesSince(events, seen).find((event) => event.actual_state === state);
  const crashed = await waitFor(stateAfter('crashed'), { timeoutMs: 30_000 });
  await waitFor(stateAfter('running'), { timeoutMs: 90_000 });
  return crashed;
}
