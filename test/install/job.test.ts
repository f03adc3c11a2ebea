import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildidOfManifest, manifestPath } from '../../src/install/builds.js';
import { bootstrapArgs, updateArgs } from '../../src/install/command-lines.js';
import { type JobSettings, runJob } from '../../src/install/job.js';
import type { Progress } from '../../src/install/progress.js';
import { layOutSimulatedInstall } from '../../src/simulator/install.js';
import { tempDir } from '../helpers/app.js';
import { FAST, makeSimSteamcmd, processesMentioning, removeSimSteamcmds } from '../helpers/steamcmd.js';

afterAll(removeSimSteamcmds);

function settings(steamcmd: string | null, srcdsDir = path.join(tempDir(), 'srcds')): JobSettings {
  return {
    srcdsDir,
    steamcmd,
    minFreeGb: 0,
    env: process.env,
    networkRetries: 3,
    retryBaseMs: 10,
    stallMs: 60_000,
  };
}

function recorder() {
  const events = { progress: [] as Progress[], log: [] as string[], attempts: [] as number[] };
  return {
    events,
    observer: {
      progress: (progress: Progress) => events.progress.push(progress),
      log: (line: string) => events.log.push(line),
      attempt: (attempts: number) => events.attempts.push(attempts),
    },
  };
}

const never = new AbortController().signal;

describe('install job (runJob) against the SteamCMD simulator', () => {
  it('installs from nothing: bootstrap, rising download progress to 100, done', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '4242' });
    const job = settings(sim.program);
    const { events, observer } = recorder();
    const outcome = await runJob('install', job, observer, never);
    expect(outcome).toMatchObject({ state: 'succeeded', error: '', touchedFiles: true });
    expect(outcome.progress).toEqual({
      phase: 'done',
      percent: 100,
      bytes_done: 50_000_000,
      bytes_total: 50_000_000,
    });
    const downloads = events.progress.filter((p) => p.phase === 'download').map((p) => p.percent);
    expect(downloads.length).toBeGreaterThan(5);
    expect(downloads).toEqual([...downloads].sort((a, b) => a - b));
    expect(downloads.at(-1)).toBe(100);
    expect(events.progress[0]?.phase).toBe('bootstrap');
    expect(events.attempts).toEqual([1]);
    expect(events.log[0]).toBe(`$ ${sim.program} ${bootstrapArgs(job.srcdsDir).join(' ')}`);
    expect(buildidOfManifest(readFileSync(manifestPath(job.srcdsDir), 'utf8'))).toBe('4242');
  });

  it('an update of an install without a manifest meets Invalid platform, then succeeds with the bootstrap', async () => {
    const sim = await makeSimSteamcmd();
    const job = settings(sim.program);
    await layOutSimulatedInstall(job.srcdsDir);
    const { events, observer } = recorder();
    const outcome = await runJob('update', job, observer, never);
    expect(outcome.state).toBe('succeeded');
    expect(sim.runs()).toEqual([updateArgs(job.srcdsDir), bootstrapArgs(job.srcdsDir)]);
    expect(events.attempts).toEqual([1, 2]);
    expect(events.log).toContain(
      "ERROR! Failed to install app '222860' (Invalid platform): trying again with the Windows-then-Linux bootstrap",
    );
  });

  it('a network failure is retried 3 times with backoff, then fails with the sentence', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 30, code: '0x402' } });
    const { events, observer } = recorder();
    const outcome = await runJob('install', settings(sim.program), observer, never);
    expect(outcome).toMatchObject({
      state: 'failed',
      error: 'download interrupted (network)',
      touchedFiles: false,
    });
    expect(events.attempts).toEqual([1, 2, 3, 4]);
    expect(sim.runs()).toHaveLength(4);
    expect(events.log.filter((line) => line.includes('trying again in'))).toEqual([
      'download interrupted (network): trying again in 0.01 s (retry 1 of 3)',
      'download interrupted (network): trying again in 0.02 s (retry 2 of 3)',
      'download interrupted (network): trying again in 0.04 s (retry 3 of 3)',
    ]);
  });

  it('a network failure that goes away: the next attempt succeeds', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 30, code: '0x602' }, failTimes: 1 });
    const { events, observer } = recorder();
    const outcome = await runJob('install', settings(sim.program), observer, never);
    expect(outcome.state).toBe('succeeded');
    expect(events.attempts).toEqual([1, 2]);
  });

  it('a disk failure is not retried', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 0, code: '0x202' } });
    const outcome = await runJob('install', settings(sim.program), recorder().observer, never);
    expect(outcome).toMatchObject({ state: 'failed', error: 'not enough disk space in SRCDS_DIR' });
    expect(sim.runs()).toHaveLength(1);
  });

  it('refuses at once without enough free space, before running SteamCMD', async () => {
    const sim = await makeSimSteamcmd();
    const job = { ...settings(sim.program), minFreeGb: 1_000_000_000 };
    const outcome = await runJob('install', job, recorder().observer, never);
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toMatch(
      new RegExp(
        `^need 1000000000 GB free in ${job.srcdsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, found \\d+\\.\\d GB$`,
      ),
    );
    expect(sim.runs()).toEqual([]);
    expect(existsSync(job.srcdsDir)).toBe(false);
  });

  it('without SteamCMD: says how to get it', async () => {
    const outcome = await runJob('install', settings(null), recorder().observer, never);
    expect(outcome).toMatchObject({
      state: 'failed',
      error: 'steamcmd not found: install it (Debian: the steamcmd package from non-free) or set STEAMCMD',
    });
  });

  it('cancel ends SteamCMD by its process group: no process of it is left', async () => {
    const sim = await makeSimSteamcmd({ bytesTotal: 10_000_000_000, bytesPerSecond: 10_000_000, tickMs: 50 });
    const abort = new AbortController();
    const seen: number[][] = [];
    const outcome = runJob(
      'install',
      settings(sim.program),
      {
        ...recorder().observer,
        progress: (progress) => {
          if (progress.phase === 'download' && seen.length === 0) {
            // The simulator runs as steamcmd.sh's child (like Valve's script): both are in the table.
            seen.push(processesMentioning(sim.dir));
            abort.abort();
          }
        },
      },
      abort.signal,
    );
    expect(await outcome).toMatchObject({ state: 'cancelled', error: 'cancelled' });
    expect(seen[0]?.length).toBeGreaterThanOrEqual(3);
    expect(processesMentioning(sim.dir)).toEqual([]);
  });

  it('buffered output still yields progress as it happens: the pseudo-terminal works', async () => {
    // bufferWhenNotTty is on (the default): through a pipe nothing would arrive before the end.
    const sim = await makeSimSteamcmd({ ...FAST, bufferWhenNotTty: true });
    const job = settings(sim.program);
    const seenWhileDownloading: boolean[] = [];
    await runJob(
      'install',
      job,
      {
        ...recorder().observer,
        progress: (progress) => {
          if (progress.phase === 'download' && progress.percent < 100) {
            // The simulator writes the manifest only after the download: it is not there yet.
            seenWhileDownloading.push(existsSync(path.join(job.srcdsDir, 'srcds_run')));
          }
        },
      },
      never,
    );
    expect(seenWhileDownloading.length).toBeGreaterThan(5);
    // Buffered, every line would arrive after the end, the files all there; under load the last few
    // may lag behind the simulator, so it is enough that the first ones came while it downloaded.
    expect(seenWhileDownloading[0]).toBe(false);
  });
});
