import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadResult, measure } from './load.js';

/** dist/main.js: the panel, run as `node dist/main.js serve`. */
export const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
const rawServerJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-server-main.js');

export interface HttpBenchOptions {
  servers: number;
  seconds: number;
  connections: number;
  databaseUrl?: string | undefined;
}

export async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`panel exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('panel did not answer /healthz');
}

/** A game port for the n-th benchmark server: blocks of ten keep each client port (P-10) free. */
export function benchPort(n: number): number {
  return 2000 + Math.floor(n / 10) * 20 + (n % 10);
}

/** An ephemeral TCP port free on 127.0.0.1 (for a panel's HTTP listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `l4d2web serve` as its own process on 127.0.0.1:port, logging nothing, with `env` on top of ours. */
export function spawnBenchPanel(port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [mainJs, 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Registers the first (admin) account on a fresh panel and creates the `bench` blueprint. */
export async function signUpWithBlueprint(
  base: string,
): Promise<{ auth: { cookie: string }; blueprintId: number }> {
  const register = await fetch(`${base}/register`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  });
  const cookie = (register.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const auth = { cookie };
  const blueprint = await fetch(`${base}/blueprints`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...auth },
    body: JSON.stringify({ name: 'bench', ...BENCH_BLUEPRINT }),
  });
  const { id: blueprintId } = (await blueprint.json()) as { id: number };
  return { auth, blueprintId };
}

/** The blueprint every benchmark server uses. */
export const BENCH_BLUEPRINT = { arguments: ['+map c1m1_hotel'], config: ['hostname "bench"'] };

export interface Row {
  name: string;
  panel: LoadResult;
  ceiling: LoadResult;
}

/**
 * Starts the panel (its own process, SQLite in a temp dir unless a DATABASE_URL is given)
 * with `servers` servers, and the raw ceiling server; loads both from this process.
 */
export async function benchHttp(options: HttpBenchOptions): Promise<Row[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const panel = spawnBenchPanel(port, {
    DATA_DIR: dataDir,
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
  });
  const raw = fork(rawServerJs, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await waitForHealth(base, panel);
    const { auth, blueprintId } = await signUpWithBlueprint(base);
    for (let n = 0; n < options.servers; n++) {
      await fetch(`${base}/servers`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...auth },
        body: JSON.stringify({ name: `server-${n}`, port: benchPort(n), blueprint_id: blueprintId }),
      });
    }

    // Capture the panel's exact bytes for the raw server to replay.
    const captured: Record<string, { type: string; body: string }> = {};
    for (const accept of ['application/json', 'text/html']) {
      const response = await fetch(`${base}/servers`, { headers: { accept, ...auth } });
      captured[`/servers|${accept}`] = {
        type: response.headers.get('content-type') ?? '',
        body: Buffer.from(await response.arrayBuffer()).toString('base64'),
      };
    }
    const rawPort = await new Promise<number>((resolve) => {
      raw.once('message', (message) => resolve((message as { port: number }).port));
      raw.send(captured);
    });
    const ceilingBase = `http://127.0.0.1:${rawPort}`;

    const load = { seconds: options.seconds, connections: options.connections };
    const rows: Row[] = [];
    for (const [name, accept] of [
      ['GET /servers (JSON)', 'application/json'],
      ['GET /servers (HTML)', 'text/html'],
    ] as const) {
      const headers = { accept, ...auth };
      rows.push({
        name,
        panel: await measure({ url: `${base}/servers`, headers, ...load }),
        ceiling: await measure({ url: `${ceilingBase}/servers`, headers, ...load }),
      });
    }
    let created = options.servers;
    const newServer = () =>
      JSON.stringify({ name: `new-${created}`, port: benchPort(created++), blueprint_id: blueprintId });
    const postHeaders = { ...JSON_HEADERS, ...auth };
    rows.push({
      name: 'POST /servers (JSON)',
      panel: await measure({
        url: `${base}/servers`,
        method: 'POST',
        headers: postHeaders,
        body: newServer,
        ...load,
      }),
      ceiling: await measure({
        url: `${ceilingBase}/servers`,
        method: 'POST',
        headers: postHeaders,
        body: newServer,
        ...load,
      }),
    });
    return rows;
  } finally {
    panel.kill('SIGTERM');
    raw.kill('SIGTERM');
    await new Promise((resolve) => panel.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
