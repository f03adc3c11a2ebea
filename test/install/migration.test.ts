import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { type FreshDatabase, openFreshDatabase, testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('migration 003-install (%s)', (dialect) => {
  let fresh: FreshDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    fresh = await openFreshDatabase(dialect);
    handle = fresh.handle;
  });

  afterEach(() => fresh.close());

  it('adds the jobs, their lines and the check status to a 002 database; one running job at most', async () => {
    await migrateTo(handle, '002-unique-ports');
    expect(await migrateToLatest(handle)).toContain('003-install');
    const tables = (await handle.db.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual(expect.arrayContaining(['install_jobs', 'install_job_lines', 'install_status']));
    const job = {
      kind: 'update' as const,
      phase: 'download' as const,
      percent: 12.34,
      bytes_done: 12_000_000_000,
      bytes_total: 13_000_000_000,
      attempts: 1,
      error: '',
      files_intact: 1,
      started_at: '2025-01-01T00:00:00.000Z',
      finished_at: null,
    };
    await handle.db
      .insertInto('install_jobs')
      .values({ ...job, state: 'succeeded' })
      .execute();
    await handle.db
      .insertInto('install_jobs')
      .values({ ...job, state: 'running' })
      .execute();
    await expect(
      handle.db
        .insertInto('install_jobs')
        .values({ ...job, state: 'running' })
        .execute(),
    ).rejects.toThrow();
    const rows = await handle.db.selectFrom('install_jobs').selectAll().orderBy('id').execute();
    expect(rows.map((row) => [row.state, Number(row.percent), Number(row.bytes_done)])).toEqual([
      ['succeeded', 12.34, 12_000_000_000],
      ['running', 12.34, 12_000_000_000],
    ]);
    await handle.db
      .insertInto('install_job_lines')
      .values({ job_id: rows[1]?.id ?? 0, line: 'x' })
      .execute();
    await handle.db.deleteFrom('install_jobs').execute();
    expect(await handle.db.selectFrom('install_job_lines').selectAll().execute()).toEqual([]);
  });

  it('goes back down to 002', async () => {
    await migrateToLatest(handle);
    await migrateTo(handle, '002-unique-ports');
    const tables = (await handle.db.introspection.getTables()).map((table) => table.name);
    expect(tables).not.toContain('install_jobs');
  });
});
