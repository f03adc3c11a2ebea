import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationNames } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';

describe('l4d2web migrate', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints the migrations it applied, then that the database is up to date', async () => {
    const first = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe(`applied: ${migrationNames.join(', ')}`);
    const second = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe('database is up to date');
  });

  it('exits 1 with one line for a bad DATABASE_URL', async () => {
    const result = await runCli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('DATABASE_URL')]);
  });
});
