import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadRequest, type LoadResult, measure as runLoad } from './load.js';
import { PanelClient } from './panel-client.js';
import { benchPort, JSON_HEADERS, startPanelProcess } from './panel-process.js';

import { LOAD_CORE, PANEL_CORE, pinDatabaseBackends, pinToCore } from './pin.js';
import { freeGamePorts } from './ports.js';
import { cannedKey, replayableHeaders } from './raw-server.js';
import type { CapturedAnswers } from './raw-server-main.js';

const rawServerJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-server-main.js');

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

/** A measure of performance.md: what is asked, and the panel/ceiling ratio it must reach. */
export interface Measure {
  name: string;
  target: number;
  kind: 'get' | 'pair';
  /** GET only: the path (given a server's id) and what is accepted. */
  path?: (serverId: number) => string;
  accept?: string;
}

const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

/** The table of performance.md, in its order. */
export const MEASURES: readonly Measure[] = [
  { name: 'GET /healthz', target: 0.5, kind: 'get', path: () => '/healthz', accept: JSON_TYPE },
  {
    name: 'GET /servers/:id (JSON)',
    target: 0.3,
    kind: 'get',
    path: (id) => `/servers/${id}`,
    accept: JSON_TYPE,
  },
  { name: 'GET /servers (JSON)', target: 0.25, kind: 'get', path: () => '/servers', accept: JSON_TYPE },
  { name: 'GET / (HTML dashboard)', target: 0.1, kind: 'get', path: () => '/', accept: HTML_TYPE },
  { name: 'GET /servers (HTML)', target: 0.1, kind: 'get', path: () => '/servers', accept: HTML_TYPE },
  { name: 'POST /servers then DELETE (JSON, pairs)', target: 0.1, kind: 'pair' },
];

export interface HttpBenchOptions {
  /** Servers in the database, and how many of them run on the simulator (the rest stopped). */
  servers: number;
  running: number;
  /** Seconds of each round; rounds of the panel and the ceiling in turn. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  connections: number;
  databaseUrl?: string | undefined;
  /** Pin the panel and the ceiling to PANEL_CORE (the caller pinned itself to LOAD_CORE). */
  pin: boolean;
  measures: readonly Measure[];
  /** Node's own options for the panel (e.g. --cpu-prof). */
  panelNodeArgs?: string[];
}

export interface Row {
  measure: Measure;
  panel: LoadResult;
  ceiling: LoadResult;
}

export interface HttpBench {
  rows: Row[];
  /** Where PostgreSQL's backends ran (pinned: what pinDatabaseBackends said). */
  database?: string;
}

const progress = (line: string) => process.stderr.write(`http bench: ${line}\n`);

/** Rounds of equal length as one: the mean rate, the worst p99, all errors. */
function combine(rounds: LoadResult[]): LoadResult {
  return {
    requestsPerSecond: rounds.reduce((sum, round) => sum + round.requestsPerSecond, 0) / rounds.length,
    p99Ms: Math.max(...rounds.map((round) => round.p99Ms)),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
  };
}

/**
 * Starts the panel (its own process, SQLite in a temp dir, or a fresh database on the given
 * PostgreSQL server) with `servers` servers (`running` of them running on the simulator), captures
 * its answers for the ceiling (a raw node:http process replaying them byte for byte), and loads both
 * in turn from this process, each after a warm-up.
 */
export async function benchHttp(options: HttpBenchOptions): Promise<HttpBench> {
  const panel = await startPanelProcess({
    databaseUrl: options.databaseUrl,
    simulator: options.running > 0,
    ...(options.panelNodeArgs && { nodeArgs: options.panelNodeArgs }),
  });
  const raw = fork(rawServerJs, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    if (options.pin) {
      pinToCore(panel.pid, PANEL_CORE);
      pinToCore(raw.pid as number, PANEL_CORE);
    }
    const { base } = panel;
    const { auth, blueprintId } = await signUpWithBlueprint(base);
    const client = new PanelClient(base, auth);
    const gamePorts = await freeGamePorts(options.running);
    const ids: number[] = [];
    for (let n = 0; n < options.servers; n++) {
      const port = n < options.running ? (gamePorts[n] as number) : benchPort(n);
      ids.push(await client.createServer(`server-${n}`, port, blueprintId));
    }
    const running = ids.slice(0, options.running);
    if (running.length > 0) {
      for (const id of running) await client.call('POST', `/servers/${id}/start`);
      await client.waitAll(running, 'running', 300_000);
      progress(`${running.length} of ${ids.length} servers running`);
    }
    const firstId = ids[0] as number;

    // A POST then a DELETE of what it made. autocannon gives each pass of the pair a fresh context,
    // so ports go back to a pool once their server is deleted (a new one only when none is free).
    let made = 0;
    let newPorts = 0;
    const freePorts: number[] = [];
    const pairHeaders = { ...JSON_HEADERS, ...auth };
    type PairContext = { port?: number; id?: number };
    const pair: LoadRequest[] = [
      {
        method: 'POST',
        path: '/servers',
        headers: pairHeaders,
        setupRequest: (request, context: PairContext) => {
          context.port = freePorts.pop() ?? benchPort(options.servers + newPorts++);
          const body = { name: `pair-${made++}`, port: context.port, blueprint_id: blueprintId };
          return { ...request, body: JSON.stringify(body) };
        },
        onResponse: (status, body, context: PairContext) => {
          context.id = status === 201 ? (JSON.parse(body) as { id: number }).id : 0;
        },
      },
      {
        method: 'DELETE',
        headers: { accept: JSON_TYPE, ...auth },
        setupRequest: (request, context: PairContext) => ({ ...request, path: `/servers/${context.id}` }),
        onResponse: (status, _body, context: PairContext) => {
          if (context.port !== undefined && (status === 204 || context.id === 0))
            freePorts.push(context.port);
        },
      },
    ];

    // The panel's exact answers, headers and body, for the ceiling to replay.
    const captured: CapturedAnswers = {};
    const capture = async (key: string, response: Response) => {
      const body = Buffer.from(await response.arrayBuffer()).toString('base64');
      captured[key] = { status: response.status, headers: replayableHeaders(response.headers), body };
    };
    for (const measure of options.measures) {
      if (measure.kind === 'get' && measure.path && measure.accept) {
        const url = measure.path(firstId);
        const response = await fetch(`${base}${url}`, { headers: { accept: measure.accept, ...auth } });
        if (!response.ok) throw new Error(`${measure.name}: ${response.status}`);
        await capture(cannedKey('GET', url, measure.accept), response);
      } else {
        const body = { name: 'capture', port: benchPort(options.servers + 9999), blueprint_id: blueprintId };
        const created = await fetch(`${base}/servers`, {
          method: 'POST',
          headers: pairHeaders,
          body: JSON.stringify(body),
        });
        const { id } = (await created.clone().json()) as { id: number };
        await capture('POST', created);
        await capture(
          'DELETE',
          await fetch(`${base}/servers/${id}`, { method: 'DELETE', headers: { accept: JSON_TYPE, ...auth } }),
        );
      }
    }
    const rawPort = await new Promise<number>((resolve) => {
      raw.once('message', (message) => resolve((message as { port: number }).port));
      raw.send(captured);
    });
    const ceilingBase = `http://127.0.0.1:${rawPort}`;

    const rows: Row[] = [];
    let database: string | undefined;
    // Before each load of the panel: its pool may have opened connections since.
    const pinDatabase = async () => {
      if (options.pin && panel.databaseUrl)
        database = await pinDatabaseBackends(panel.databaseUrl, LOAD_CORE);
    };
    for (const measure of options.measures) {
      const load = (target: string, seconds: number) =>
        measure.kind === 'pair'
          ? runLoad({ url: target, requests: pair, seconds, connections: options.connections })
          : runLoad({
              url: `${target}${measure.path?.(firstId)}`,
              headers: { accept: measure.accept ?? JSON_TYPE, ...auth },
              seconds,
              connections: options.connections,
            });
      await pinDatabase();
      await load(base, options.warmupSeconds);
      await load(ceilingBase, options.warmupSeconds);
      // Rounds in turn, so that a change in the machine's load (it is shared) falls on both sides.
      const panelRounds: LoadResult[] = [];
      const ceilingRounds: LoadResult[] = [];
      for (let round = 0; round < options.rounds; round++) {
        await pinDatabase();
        panelRounds.push(await load(base, options.seconds));
        ceilingRounds.push(await load(ceilingBase, options.seconds));
      }
      const panelResult = combine(panelRounds);
      const ceiling = combine(ceilingRounds);
      rows.push({ measure, panel: panelResult, ceiling });
      progress(`${measure.name}: ${(panelResult.requestsPerSecond / ceiling.requestsPerSecond).toFixed(2)}`);
    }
    if (running.length > 0) {
      for (const id of running) await client.call('POST', `/servers/${id}/stop`);
      await client.waitAll(running, 'stopped', 120_000).catch(() => undefined);
    }
    return { rows, ...(database && { database }) };
  } finally {
    raw.kill('SIGTERM');
    await panel.stop();
  }
}
