import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidFilePath } from '../config/paths.js';
import { Instances } from '../instances/instances.js';
import { buildLaunchPlan } from '../launch/plan.js';
import { readProcStat } from '../os/proc.js';
import { queryA2s } from '../supervisor/a2s.js';
import { LOOPBACK } from '../supervisor/link.js';
import { BenchPanel, benchEnv } from './bench-panel.js';
import { BENCH_BLUEPRINT } from './http.js';
import { cpuSeconds, rssMb } from './procs.js';

export interface SupervisorBenchOptions {
  /** Start cycles (panel and baseline each), and servers crashed once each. */
  starts: number;
  idleServers: number;
  cpuSeconds: number;
}

export interface IdleFigures {
  servers: number;
  runningAfter: number;
  allRunningMs: number;
  cpuPercent: number;
  rssMb: number;
  peakRssMb: number;
  loadAverage: number;
  stoppedAll: boolean;
}

export interface SupervisorFigures {
  startPanelMs: number[];
  startBaselineMs: number[];
  crashNoticeMs: number[];
  crashRunningMs: number[];
  idle: IdleFigures;
  /** Simulator processes still alive after everything was stopped (then SIGKILLed by group). */
  leftovers: number;
}

/** The cfg id of the baseline server, far from the panel's ids. */
const BASELINE_ID = 999_999;
const progress = (line: string) => process.stderr.write(`supervisor bench: ${line}\n`);

/**
 * Spawns srcds_run as the panel would (same argv, cfg and instance directory, built beforehand), times
 * until it answers A2S, then kills it.
 */
async function timeBaseline(
  dataDir: string,
  installDir: string,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const plan = buildLaunchPlan({ id: BASELINE_ID, port }, BENCH_BLUEPRINT, {
    dataDir,
    srcdsDir: installDir,
    rconPassword: 'bench-baseline',
  });
  await new Instances({ dataDir, srcdsDir: installDir }).build(BASELINE_ID);
  await writeFile(plan.cfgPath, plan.cfgText, { mode: 0o600 });
  const t0 = performance.now();
  const child = spawn(plan.command, plan.args, { cwd: plan.cwd, detached: true, stdio: 'ignore', env });
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('baseline simulator exited');
      try {
        // As the supervisor polls: the info and the players.
        await queryA2s(LOOPBACK, port, { timeoutMs: 20, players: true });
        return performance.now() - t0;
      } catch (error) {
        if (performance.now() - t0 > 30_000) throw new Error(`baseline: no A2S answer: ${error}`);
      }
    }
  } finally {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
    await exited;
  }
}

/** The game process of a running server, from the supervisor's pid file, checked against /proc. */
async function gamePid(dataDir: string, id: number): Promise<number> {
  const record = JSON.parse(await readFile(pidFilePath(dataDir, id), 'utf8')) as {
    pid: number;
    startTime: number;
  };
  if (readProcStat(record.pid)?.startTime !== record.startTime) throw new Error(`pid file of ${id} is stale`);
  return record.pid;
}

/**
 * Runs a panel (`node dist/main.js serve`, SQLite, default supervisor options) on a simulated install
 * in a temp dir and measures start-to-running, crash-to-running and idle cost; stops and removes all.
 */
export async function benchSupervisor(options: SupervisorBenchOptions): Promise<SupervisorFigures> {
  const bench = await BenchPanel.start('sup', 2 + options.starts + options.idleServers);
  const { api, dataDir, installDir, pid } = bench;
  const env = benchEnv();
  let figures: Omit<SupervisorFigures, 'leftovers'>;
  let leftovers = 0;
  try {
    // 1. Start to running, through the panel and (baseline) the simulator alone, interleaved.
    const startBaselineMs: number[] = [];
    const baselinePort = bench.takePort();
    const startPanelMs = await bench.startStopCycles(
      await bench.create('start'),
      options.starts,
      async () => {
        startBaselineMs.push(await timeBaseline(dataDir, installDir, baselinePort, env));
      },
    );
    progress(`start-to-running: ${options.starts} cycles done`);

    // 2. Crash to running: a SIGKILL each, on as many servers (each one's first crash: backoff 1 s).
    const crashIds: number[] = [];
    for (let i = 0; i < options.starts; i++) crashIds.push(await bench.create(`crash-${i}`));
    await bench.startAll(crashIds, 120_000);
    const crashNoticeMs: number[] = [];
    const crashRunningMs: number[] = [];
    for (const id of crashIds) {
      const { noticeMs, runningMs } = await bench.crashToRunning(id, () => gamePid(dataDir, id));
      crashNoticeMs.push(noticeMs);
      crashRunningMs.push(runningMs);
    }
    await bench.stopAll(crashIds, 60_000);
    progress(`crash-to-running: ${crashIds.length} crashes done`);

    // 3. Idle: N running servers, nobody watching; the panel's CPU and RSS over the window.
    const idleIds: number[] = [];
    for (let i = 0; i < options.idleServers; i++) idleIds.push(await bench.create(`idle-${i}`));
    const allRunningMs = await bench.startAll(idleIds, 300_000);
    progress(`${idleIds.length} servers running after ${(allRunningMs / 1000).toFixed(1)} s; settling 5 s`);
    await sleep(5_000);
    const loadAverage = os.loadavg()[0] ?? 0;
    const cpu0 = cpuSeconds(pid);
    const w0 = performance.now();
    let peakRssMb = 0;
    while (performance.now() - w0 < options.cpuSeconds * 1000) {
      peakRssMb = Math.max(peakRssMb, rssMb(pid));
      await sleep(Math.min(1_000, options.cpuSeconds * 1000 - (performance.now() - w0)));
    }
    const cpuPercent = ((cpuSeconds(pid) - cpu0) / ((performance.now() - w0) / 1000)) * 100;
    const endRssMb = rssMb(pid);
    const runningAfter = (await api.servers()).filter(
      (row) => idleIds.includes(row.id) && row.actual_state === 'running',
    ).length;
    const stoppedAll = await bench.stopAll(idleIds, 120_000);
    progress(`idle window done; ${options.idleServers} servers stopped: ${stoppedAll}`);
    figures = {
      startPanelMs,
      startBaselineMs,
      crashNoticeMs,
      crashRunningMs,
      idle: {
        servers: idleIds.length,
        runningAfter,
        allRunningMs,
        cpuPercent,
        rssMb: endRssMb,
        peakRssMb: Math.max(peakRssMb, endRssMb),
        loadAverage,
        stoppedAll,
      },
    };
  } finally {
    // Game servers run from their instances in dataDir (the install is inside it too).
    leftovers = await bench.close();
    if (leftovers > 0) progress(`${leftovers} simulator processes were left; killed their process groups`);
  }
  return { ...figures, leftovers };
}
