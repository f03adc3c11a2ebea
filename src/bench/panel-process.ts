import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { freshPostgresDatabase } from './database.js';
import { freePort, mainJs, waitForHealth } from './http.js';
import { killLeftovers } from './procs.js';

export interface PanelProcess {
  base: string;
  pid: number;
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
  return { base, pid: child.pid as number, dataDir, stop };
}
