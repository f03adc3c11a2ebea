import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidFilePath } from '../config/paths.js';
import { Instances } from '../instances/instances.js';
import { buildLaunchPlan } from '../launch/plan.js';
import { readProcStat } from '../os/proc.js';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { queryA2s } from '../supervisor/a2s.js';
import { LOOPBACK } from '../supervisor/link.js';
import { BENCH_BLUEPRINT, freePort, mainJs, signUpWithBlueprint, waitForHealth } from './http.js';
import { nextState, PanelClient } from './panel-client.js';
import { freeGamePorts } from './ports.js';
import { cpuSeconds, killLeftovers, rssMb } from './procs.js';

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

async function startAll(client: PanelClient, ids: number[], timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (const id of ids) await client.call('POST', `/servers/${id}/start`);
  await client.waitAll(ids, 'running', timeoutMs);
  return performance.now() - t0;
}

async function stopAll(client: PanelClient, ids: number[], timeoutMs: number): Promise<boolean> {
  for (const id of ids) await client.call('POST', `/servers/${id}/stop`).catch(() => undefined);
  return client.waitAll(ids, 'stopped', timeoutMs).then(
    () => true,
    () => false,
  );
}

/**
 * Runs a panel (`node dist/main.js serve`, SQLite, default supervisor options) on a simulated install
 * in a temp dir and measures start-to-running, crash-to-running and idle cost; stops and removes all.
 */
export async function benchSupervisor(options: SupervisorBenchOptions): Promise<SupervisorFigures> {
  const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-sup-')));
  const installDir = path.join(dataDir, 'sim-srcds');
  await layOutSimulatedInstall(installDir);
  const ports = await freeGamePorts(2 + options.starts + options.idleServers);
  const take = () => ports.shift() as number;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SIM_') && name !== 'DATABASE_URL'),
  );
  const httpPort = await freePort();
  const base = `http://${LOOPBACK}:${httpPort}`;
  const panel = spawn(process.execPath, [mainJs, 'serve'], {
    env: {
      ...env,
      PORT: String(httpPort),
      HOST: LOOPBACK,
      DATA_DIR: dataDir,
      SRCDS_DIR: installDir,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const panelExited = new Promise((resolve) => panel.once('exit', resolve));
  const created: number[] = [];
  let client: PanelClient | undefined;
  let figures: Omit<SupervisorFigures, 'leftovers'>;
  let leftovers = 0;
  try {
    await waitForHealth(base, panel);
    const pid = panel.pid as number;
    const { auth, blueprintId } = await signUpWithBlueprint(base);
    const api = new PanelClient(base, auth);
    client = api;
    const create = async (name: string) => {
      const id = await api.createServer(name, take(), blueprintId);
      created.push(id);
      return id;
    };

    // 1. Start to running, through the panel and (baseline) the simulator alone, interleaved.
    const startPanelMs: number[] = [];
    const startBaselineMs: number[] = [];
    const baselinePort = take();
    const startId = await create('start');
    const stream = await api.events(startId);
    try {
      for (let i = 0; i < options.starts; i++) {
        startBaselineMs.push(await timeBaseline(dataDir, installDir, baselinePort, env));
        const running = nextState(stream, 'running', 60_000);
        const t0 = performance.now();
        await api.call('POST', `/servers/${startId}/start`);
        startPanelMs.push((await running).at - t0);
        const stopped = nextState(stream, 'stopped', 30_000);
        await api.call('POST', `/servers/${startId}/stop`);
        await stopped;
      }
    } finally {
      stream.close();
    }
    progress(`start-to-running: ${options.starts} cycles done`);

    // 2. Crash to running: a SIGKILL each, on as many servers (each one's first crash: backoff 1 s).
    const crashIds: number[] = [];
    for (let i = 0; i < options.starts; i++) crashIds.push(await create(`crash-${i}`));
    await startAll(api, crashIds, 120_000);
    const crashNoticeMs: number[] = [];
    const crashRunningMs: number[] = [];
    for (const id of crashIds) {
      const events = await api.events(id);
      try {
        const gone = events.next((event) => event.actual_state !== 'running', 10_000);
        const back = nextState(events, 'running', 60_000);
        const t0 = performance.now();
        process.kill(await gamePid(dataDir, id), 'SIGKILL');
        crashNoticeMs.push((await gone).at - t0);
        crashRunningMs.push((await back).at - t0);
      } finally {
        events.close();
      }
    }
    await stopAll(api, crashIds, 60_000);
    progress(`crash-to-running: ${crashIds.length} crashes done`);

    // 3. Idle: N running servers, nobody watching; the panel's CPU and RSS over the window.
    const idleIds: number[] = [];
    for (let i = 0; i < options.idleServers; i++) idleIds.push(await create(`idle-${i}`));
    const allRunningMs = await startAll(api, idleIds, 300_000);
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
    const stoppedAll = await stopAll(api, idleIds, 120_000);
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
    // Whatever happened: stop what still runs, end the panel, then kill any simulator left by group.
    if (client && panel.exitCode === null) await stopAll(client, created, 30_000);
    panel.kill('SIGTERM');
    if ((await Promise.race([panelExited.then(() => true), sleep(10_000).then(() => false)])) === false) {
      panel.kill('SIGKILL');
      await panelExited;
    }
    // Game servers run from their instances in dataDir (the install is inside it too).
    leftovers = killLeftovers(dataDir);
    if (leftovers > 0) progress(`${leftovers} simulator processes were left; killed their process groups`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { ...figures, leftovers };
}
