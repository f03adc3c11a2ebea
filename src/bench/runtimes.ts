import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidFilePath } from '../config/paths.js';
import type { RuntimeKind } from '../config/runtime.js';
import type { ScratchEngine } from '../containers/scratch-engine.js';
import { containerName } from '../containers/spec.js';
import { BenchPanel } from './bench-panel.js';
import { cpuSeconds } from './procs.js';
import { percentile } from './supervisor-report.js';

export interface RuntimeBenchOptions {
  /** Start cycles, and servers crashed once each. */
  starts: number;
  idleServers: number;
  cpuSeconds: number;
}

/** Memory and CPU of one group of processes (the engine's daemons, the containers' extra processes). */
export interface ProcessCost {
  pssMb: number;
  cpuPercent: number;
}

export interface RuntimeRun {
  runtime: RuntimeKind;
  startMs: number[];
  crashRunningMs: number[];
  idle: {
    servers: number;
    /** The game servers themselves (the simulator), per server. */
    gamePssMb: number;
    /** The engine's daemons (dockerd, containerd) before any server ran, and with the idle servers. */
    daemonsBefore: ProcessCost | null;
    daemonsIdle: ProcessCost | null;
    /** Per container: its containerd shim and its init process. */
    perContainer: ProcessCost | null;
    panelCpuPercent: number;
  };
}

const progress = (line: string) => process.stderr.write(`runtime bench: ${line}\n`);

/** Proportional set size (shared pages split among their users), in MB. */
function pssMb(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Live processes whose command line mentions text, with their name (comm). */
function processesMentioning(text: string): Array<{ pid: number; name: string }> {
  const found: Array<{ pid: number; name: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) continue;
      found.push({ pid, name: fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function safeCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);
}

/** PSS now and CPU over the window for each named group of processes. */
async function measureGroups(
  groups: Record<string, number[]>,
  seconds: number,
): Promise<Record<string, ProcessCost>> {
  const before = Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [name, safeCpuSeconds(pids)]),
  );
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  return Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [
      name,
      {
        pssMb: pids.reduce((sum, pid) => sum + pssMb(pid), 0),
        cpuPercent: ((safeCpuSeconds(pids) - (before[name] ?? 0)) / elapsed) * 100,
      },
    ]),
  );
}

/** The game process a SIGKILL should hit: the pid file's (process) or the container's init (docker, swarm). */
async function mainPid(runtime: RuntimeKind, engine: ScratchEngine | null, dataDir: string, id: number) {
  if (runtime === 'process') {
    return (JSON.parse(await readFile(pidFilePath(dataDir, id), 'utf8')) as { pid: number }).pid;
  }
  const docker = (engine as ScratchEngine).docker;
  if (runtime === 'docker') return (await docker.getContainer(containerName(id)).inspect()).State.Pid;
  const tasks = (await docker.listTasks({
    filters: { service: [containerName(id)], 'desired-state': ['running'] },
  })) as Array<{
    Status: { ContainerStatus?: { PID?: number } };
  }>;
  const pid = tasks[0]?.Status.ContainerStatus?.PID;
  if (!pid) throw new Error(`no running task for server ${id}`);
  return pid;
}

/**
 * One panel process on one runtime, on a simulated install: start → running, crash → running, and
 * what N idle servers cost (the game servers, the engine's daemons, each container's extra processes).
 */
export async function benchRuntime(
  runtime: RuntimeKind,
  engine: ScratchEngine | null,
  image: string,
  options: RuntimeBenchOptions,
): Promise<RuntimeRun> {
  const bench = await BenchPanel.start(runtime, 1 + options.idleServers, {
    RUNTIME: runtime,
    ...(engine && { DOCKER_HOST: engine.dockerHost, SRCDS_IMAGE: image }),
  });
  const { dataDir } = bench;
  try {
    // The engine's costs count only where it runs the servers.
    const measured = runtime === 'process' ? null : engine;
    const daemons = () =>
      measured ? processesMentioning(measured.dir).filter((p) => !p.name.startsWith('containerd-shim')) : [];
    const shims = () =>
      measured ? processesMentioning(measured.dir).filter((p) => p.name.startsWith('containerd-shim')) : [];
    const before = measured
      ? ((await measureGroups({ daemons: daemons().map((p) => p.pid) }, 5)).daemons ?? null)
      : null;

    // Start → running (POST start → the SSE state `running`), then stop; one server, again and again.
    const startMs = await bench.startStopCycles(await bench.create('start'), options.starts);
    progress(`${runtime}: ${options.starts} starts done`);

    // Idle servers; each of them is then crashed once (SIGKILL of its main process) and comes back.
    const idleIds: number[] = [];
    for (let i = 0; i < options.idleServers; i++) idleIds.push(await bench.create(`idle-${i}`));
    await bench.startAll(idleIds, 300_000);
    progress(`${runtime}: ${idleIds.length} servers running; settling 5 s`);
    await sleep(5_000);
    // The simulators run from the instances in dataDir: `node <instance>/l4d2web-simulator/...`.
    const games = processesMentioning(dataDir).filter((p) => p.name === 'node');
    const inits = processesMentioning(dataDir).filter((p) => p.name === 'docker-init');
    const groups = await measureGroups(
      {
        panel: [bench.pid],
        games: games.map((p) => p.pid),
        daemons: daemons().map((p) => p.pid),
        containers: [...shims(), ...inits].map((p) => p.pid),
      },
      options.cpuSeconds,
    );
    const per = (cost: ProcessCost | undefined) =>
      cost && { pssMb: cost.pssMb / idleIds.length, cpuPercent: cost.cpuPercent / idleIds.length };

    const crashRunningMs: number[] = [];
    for (const id of idleIds.slice(0, options.starts)) {
      const { runningMs } = await bench.crashToRunning(id, () => mainPid(runtime, engine, dataDir, id));
      crashRunningMs.push(runningMs);
    }
    progress(`${runtime}: ${crashRunningMs.length} crashes done`);
    return {
      runtime,
      startMs,
      crashRunningMs,
      idle: {
        servers: idleIds.length,
        gamePssMb: (groups.games?.pssMb ?? 0) / idleIds.length,
        daemonsBefore: before,
        daemonsIdle: measured ? (groups.daemons ?? null) : null,
        perContainer: measured ? (per(groups.containers) ?? null) : null,
        panelCpuPercent: groups.panel?.cpuPercent ?? 0,
      },
    };
  } finally {
    const left = await bench.close();
    if (left > 0) progress(`${left} game server processes were left; killed them`);
  }
}

const ms = (samples: number[], p: number) => percentile(samples, p).toFixed(0);

/** The runs side by side, as markdown. */
export function runtimesReport(runs: RuntimeRun[], options: RuntimeBenchOptions): string[] {
  const columns = runs.map((run) => run.runtime);
  const row = (name: string, cell: (run: RuntimeRun) => string) =>
    `| ${name} | ${runs.map(cell).join(' | ')} |`;
  const timing = (samples: (run: RuntimeRun) => number[]) => (run: RuntimeRun) =>
    `${ms(samples(run), 50)} / ${ms(samples(run), 95)}`;
  const engineCell = (value: (run: RuntimeRun) => string | null) => (run: RuntimeRun) => value(run) ?? '—';
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  const cpu = (value: number) => `${value.toFixed(2)} %`;
  const n = options.idleServers;
  return [
    `| measure (median / p95 ms) | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
    row(
      `start → running (POST start → SSE \`running\`), ${options.starts} cycles`,
      timing((run) => run.startMs),
    ),
    row(
      `crash (SIGKILL of the main process) → \`running\` again, ${options.starts} servers`,
      timing((run) => run.crashRunningMs),
    ),
    '',
    `| ${n} idle servers, nobody watching (PSS; CPU over ${options.cpuSeconds} s, % of one core) | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
    row('game server (the simulator), per server', (run) => mb(run.idle.gamePssMb)),
    row(
      'engine daemons (dockerd, containerd): before any server / with the idle servers',
      engineCell(
        (run) =>
          run.idle.daemonsBefore &&
          run.idle.daemonsIdle &&
          `${mb(run.idle.daemonsBefore.pssMb)} / ${mb(run.idle.daemonsIdle.pssMb)}`,
      ),
    ),
    row(
      "**engine memory per idle server**: daemons' growth / N + its shim and init",
      engineCell((run) => {
        const { daemonsBefore, daemonsIdle, perContainer } = run.idle;
        if (!daemonsBefore || !daemonsIdle || !perContainer) return null;
        return mb((daemonsIdle.pssMb - daemonsBefore.pssMb) / run.idle.servers + perContainer.pssMb);
      }),
    ),
    row(
      '**engine CPU per idle server**: (daemons + shims + inits) / N',
      engineCell((run) => {
        const { daemonsIdle, perContainer } = run.idle;
        if (!daemonsIdle || !perContainer) return null;
        return cpu(daemonsIdle.cpuPercent / run.idle.servers + perContainer.cpuPercent);
      }),
    ),
    row(
      "engine daemons' CPU in all, idle",
      engineCell((run) => run.idle.daemonsIdle && cpu(run.idle.daemonsIdle.cpuPercent)),
    ),
    row('panel CPU, idle', (run) => cpu(run.idle.panelCpuPercent)),
  ];
}
