/**
 * Two real panels on one PostgreSQL database: only the one holding the supervision lease runs the
 * schedules; when it closes the other takes over; every run is recorded once and none is left under way.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type Panel, startPanel } from '../../src/panel.js';
import { createBlueprint, createServer, signUp, tempDir } from '../helpers/app.js';
import { dropDatabase, freshDatabaseUrl, postgresKind } from '../helpers/dialects.js';
import { waitFor } from '../helpers/supervisor.js';

const panels: Panel[] = [];
const dirs: string[] = [];
const databases: string[] = [];

async function panelOn(databaseUrl: string, dataDir: string): Promise<Panel> {
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent' });
  const panel = await startPanel(config, {}, { retryMs: 100, checkMs: 100 });
  panels.push(panel);
  return panel;
}

afterEach(async () => {
  for (const panel of panels.splice(0)) await panel.close();
  for (const url of databases.splice(0)) await dropDatabase(url);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`schedules on two panels sharing PostgreSQL (${postgresKind()})`, () => {
  it('runs each run once, on the supervising panel, and goes on when the other takes over', async () => {
    const url = await freshDatabaseUrl('postgres');
    databases.push(url);
    // Panels sharing a database share DATA_DIR's key (README).
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await panelOn(url, dataDir);
    const second = await panelOn(url, dataDir);
    expect([first.supervising, second.supervising]).toEqual([true, false]);
    const alice = await signUp(second.app, 'alice');
    const server = await createServer(alice, {
      name: 'alpha',
      port: 27015,
      blueprint_id: await createBlueprint(alice),
    });
    const created = await alice.post('/schedules', {
      name: 'every second',
      cron: '* * * * * *',
      server_ids: [server],
      // The server is stopped: nobody on it, and stopping it again changes nothing.
      tasks: [{ action: 'stop', offset_seconds: 0 }],
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const runs = async () =>
      (await alice.get(`/schedules/${id}/runs`)).json().runs as {
        scheduled_for: string;
        outcome: string;
        finished_at: string | null;
      }[];
    await waitFor(async () => (await runs()).filter((run) => run.outcome === 'done').length >= 3);

    const firstPanel = panels.indexOf(first);
    panels.splice(firstPanel, 1);
    await first.close();
    await waitFor(() => second.supervising, { timeoutMs: 10_000 });
    const tookOver = new Date().toISOString();
    // The second panel runs the runs due from now on.
    await waitFor(
      async () =>
        (await runs()).filter((run) => run.outcome === 'done' && run.scheduled_for > tookOver).length >= 2,
    );
    await second.close();
    panels.splice(panels.indexOf(second), 1);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT scheduled_for, outcome, finished_at, detail FROM schedule_runs WHERE schedule_id = $1',
        [id],
      );
      const times = rows.map((row: { scheduled_for: string }) => row.scheduled_for);
      expect(new Set(times).size).toBe(times.length);
      // Each was done, or recorded missed while the lease changed hands, or skipped while the one
      // before was still under way (a loaded machine), or cut short by a panel closing, saying so;
      // none was run twice or left under way.
      const reasons: Record<string, string> = {
        failed: 'the panel stopped during the run',
        skipped: 'the previous run is still under way',
        missed: 'no panel supervised',
      };
      for (const row of rows as { outcome: string; finished_at: string | null; detail: string }[]) {
        expect(row.finished_at).not.toBeNull();
        if (row.outcome !== 'done')
          expect(row.detail).toContain(reasons[row.outcome] ?? `not ${row.outcome}`);
      }
    } finally {
      await db.end();
    }
  });
});
