import type { Config } from '../config/config.js';
import { openDatabase } from '../db/connect.js';
import { DatabaseFileLock, DatabaseInUseError } from '../db/file-lock.js';
import { SupervisionLease } from '../db/lock.js';
import { migrateToLatest } from '../db/migrate.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { formatSize } from './disk.js';

import { type Progress, parseSteamcmdLine } from './progress.js';
import { InstallStore } from './store.js';
import { panelInstaller } from './wiring.js';

const BAR_WIDTH = 30;

/** One line of progress: `[#########---------]  48.2%  download  1.2 GB / 2.5 GB`. */
export function progressBar(progress: Progress): string {
  const filled = Math.round((progress.percent / 100) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const bytes =
    progress.bytes_total > 0
      ? `  ${formatSize(progress.bytes_done)} / ${formatSize(progress.bytes_total)}`
      : '';
  return `${bar} ${progress.percent.toFixed(1).padStart(5)}%  ${progress.phase}${bytes}`;
}

interface Terminal {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * Shows a job on a terminal: SteamCMD's lines (not its progress lines) scroll above a progress bar
 * redrawn in place. Elsewhere (a log file, CI) a line per phase and per 10 %.
 */
function progressView(out: Terminal) {
  let shown = '';
  let lastStep = '';
  return {
    line(text: string) {
      if (parseSteamcmdLine(text).kind === 'progress') return;
      out.write(out.isTTY ? `\r\x1b[K${text}\n${shown}` : `${text}\n`);
    },
    progress(progress: Progress) {
      shown = progressBar(progress);
      if (out.isTTY) {
        out.write(`\r\x1b[K${shown}`);
        return;
      }
      const step = `${progress.phase} ${Math.floor(progress.percent / 10)}`;
      if (step !== lastStep) out.write(`${shown}\n`);
      lastStep = step;
    },
    end() {
      if (out.isTTY && shown) out.write('\n');
    },
  };
}

/**
 * `l4d2web install`: the panel's install or update job, run from a terminal. It takes the panel's
 * place (the SQLite file lock, or the supervision lease on PostgreSQL) and its supervisor, so that the
 * servers are handled as the panel would, and the job is kept in the database like the panel's own.
 * Exit 0 on success, 1 with the error in one line.
 */
export async function installCommand(config: Config, out: Terminal = process.stdout): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`l4d2web install: ${message}\n`);
    return 1;
  };
  let fileLock: DatabaseFileLock | undefined;
  try {
    fileLock = DatabaseFileLock.acquireFor(config.databaseUrl);
  } catch (error) {
    if (error instanceof DatabaseInUseError) return fail(`${error.message}: install from its Install page`);
    throw error;
  }
  const database = openDatabase(config.databaseUrl);
  let lease: SupervisionLease | undefined;
  try {
    await migrateToLatest(database);
    lease = await SupervisionLease.acquire(config.databaseUrl, {
      fileLock,
      onAcquired: () => {},
      retryMs: 3_600_000,
    });
    if (!lease.isHeld) return fail('a panel supervises this database: install from its Install page');
    const store = new InstallStore(database.db);
    await store.failInterruptedJobs(new Date().toISOString());
    // The panel's job, servers and all: game servers still running from the install are adopted,
    // warned and stopped, and started again after (they outlive this command, as they outlive a panel).
    const supervisor = new Supervisor(config, database);
    const installer = panelInstaller(config, database, () => supervisor, console);
    const view = progressView(out);
    installer.subscribe((event) => {
      if (event.type === 'log') view.line(event.line);
      else if (event.type === 'progress') view.progress(event);
    });
    const cancel = () => void installer.cancel().catch(() => {});
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    // The supervisor's timers do not keep a process alive (a panel's HTTP server does): this does.
    const alive = setInterval(() => {}, 1_000);
    let job: Awaited<ReturnType<typeof installer.start>>;
    try {
      // The job holds the servers from its start, so the supervisor launches none of them first.
      job = await installer.start();
      await supervisor.start();
      await installer.idle();
      await supervisor.stop();
    } finally {
      clearInterval(alive);
    }
    view.end();
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    const install = await installer.snapshot();
    if (install.job?.state !== 'succeeded')
      return fail(install.job?.error || `job ${job.id} ${install.job?.state}`);
    out.write(
      `${job.kind === 'install' ? 'installed' : 'updated'}: build ${install.buildid ?? 'unknown'} in ${install.path}\n`,
    );
    return 0;
  } finally {
    await lease?.release();
    await database.close();
    fileLock?.release();
  }
}
