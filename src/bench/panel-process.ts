import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { freshPostgresDatabase } from './database.js';
import { killLeftovers } from './procs.js';

/** dist/main.js: the panel, run as `node dist/main.js serve`. */
export const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

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

export interface PanelProcess {
  base: string;
  pid: number;
  /** The bench's own PostgreSQL database, when it runs on one. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Ends the panel, kills any simulator it left, drops the bench's database and removes its files. */
  stop(): Promise<void>;
}

export interface PanelProcessOptions {
  /** A PostgreSQL server: the panel gets a fresh database on it. SQLite in the data dir without it. */
  databaseUrl?: string | undefined;
  /** Lay out a simulated srcds install (for servers that really run); else SRCDS_DIR is an empty dir. */
  simulator?: boolean;
  /** Node's own options for the panel (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** `node dist/main.js serve` in a temp DATA_DIR, answering /healthz. */
export async function startPanelProcess(options: PanelProcessOptions): Promise<PanelProcess> {
  const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-')));
  const srcdsDir = path.join(dataDir, 'srcds');
  if (options.simulator) await layOutSimulatedInstall(srcdsDir);
  else fs.mkdirSync(srcdsDir);
  const database = options.databaseUrl ? await freshPostgresDatabase(options.databaseUrl) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SIM_') && name !== 'DATABASE_URL'),
  );
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), mainJs, 'serve'], {
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SRCDS_DIR: srcdsDir,
      LOG_LEVEL: 'silent',
      ...(database && { DATABASE_URL: database.url }),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) === false) {
      child.kill('SIGKILL');
      await exited;
    }
    killLeftovers(dataDir);
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(base, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, pid: child.pid as number, databaseUrl: database?.url, dataDir, stop };
}
