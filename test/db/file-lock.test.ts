import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../../src/bench/http.js';
import { loadConfig } from '../../src/config/config.js';
import { DatabaseInUseError } from '../../src/db/file-lock.js';
import { type Panel, startPanel } from '../../src/panel.js';
import { tempDir } from '../helpers/app.js';
import { type PanelProcess, runCli, spawnPanel } from '../helpers/cli.js';

const dirs: string[] = [];
const processes: PanelProcess[] = [];
const panels: Panel[] = [];

afterEach(async () => {
  for (const { child } of processes.splice(0)) child.kill('SIGKILL');
  for (const panel of panels.splice(0)) await panel.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** A panel process on `env`, answering /healthz. */
async function runningPanel(env: Record<string, string>): Promise<PanelProcess> {
  const port = await freePort();
  const panel = spawnPanel({ ...env, PORT: String(port) });
  processes.push(panel);
  await waitForHealth(`http://127.0.0.1:${port}`, panel.child);
  return panel;
}

const refusal = (pid: number, database: string) => `another l4d2web (pid ${pid}) is using ${database}`;

describe('one panel per SQLite database: processes', () => {
  it('a second panel exits 1 with one line naming the first, whatever its DATA_DIR; after a SIGKILL a new one starts', async () => {
    const dataDir = newDir();
    const database = path.join(dataDir, 'l4d2web.sqlite');
    const first = await runningPanel({ DATA_DIR: dataDir });
    const pid = first.child.pid as number;

    // The same DATA_DIR (its default database), then another DATA_DIR naming the same file.
    const envs: Record<string, string>[] = [
      { DATA_DIR: dataDir },
      { DATA_DIR: newDir(), DATABASE_URL: database },
    ];
    for (const env of envs) {
      const second = await runCli(['serve'], { ...env, PORT: String(await freePort()), LOG_LEVEL: 'info' });
      expect(second.status).toBe(1);
      expect(second.stderr).toBe(`${refusal(pid, database)}\n`);
      expect(second.stdout).toBe('');
    }
    expect(first.child.exitCode).toBeNull();

    first.child.kill('SIGKILL');
    await first.exited;
    const next = await runningPanel({ DATA_DIR: newDir(), DATABASE_URL: database });
    expect(next.child.exitCode).toBeNull();
    expect(next.stderr()).toBe('');
  });

  it('of two panels started at the same moment, one runs and the other exits 1 naming it', async () => {
    const dataDir = newDir();
    const database = path.join(dataDir, 'l4d2web.sqlite');
    const ports = [await freePort(), await freePort()];
    const both = ports.map((port) => spawnPanel({ DATA_DIR: dataDir, PORT: String(port) }));
    processes.push(...both);
    const loser = await Promise.race(both.map((panel) => panel.exited.then(() => panel)));
    const winner = both.find((panel) => panel !== loser) as PanelProcess;
    expect(await loser.exited).toBe(1);
    expect(loser.stderr()).toBe(`${refusal(winner.child.pid as number, database)}\n`);
    await waitForHealth(`http://127.0.0.1:${ports[both.indexOf(winner)]}`, winner.child);
  });
});

describe('one panel per SQLite database: in one process', () => {
  const configFor = (dataDir: string, databaseUrl?: string) =>
    loadConfig({
      DATA_DIR: dataDir,
      ...(databaseUrl && { DATABASE_URL: databaseUrl }),
      PORT: '0',
      LOG_LEVEL: 'silent',
    });

  it('refuses a second panel on the same file, also through a symlinked folder, until the first closes', async () => {
    const dataDir = newDir();
    const first = await startPanel(configFor(dataDir));
    panels.push(first);
    expect(first.supervising).toBe(true);
    const database = path.join(dataDir, 'l4d2web.sqlite');
    const link = path.join(newDir(), 'linked');
    fs.symlinkSync(dataDir, link);
    for (const databaseUrl of [database, path.join(link, 'l4d2web.sqlite')]) {
      const refused = startPanel(configFor(newDir(), databaseUrl));
      await expect(refused).rejects.toBeInstanceOf(DatabaseInUseError);
      await expect(refused).rejects.toThrow(refusal(process.pid, databaseUrl));
    }
    // Refused before anything was touched: the first panel still serves.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    await panels.splice(0)[0]?.close();
    const next = await startPanel(configFor(newDir(), database));
    panels.push(next);
    expect(next.supervising).toBe(true);
  });

  it('lets panels on different files run side by side', async () => {
    panels.push(await startPanel(configFor(newDir())));
    panels.push(await startPanel(configFor(newDir())));
    expect(panels.map((panel) => panel.supervising)).toEqual([true, true]);
  });
});
