import os from 'node:os';
import { parseArgs } from 'node:util';
import { runtimeKinds } from '../config/runtime.js';
import {
  engineUnavailable,
  initSwarm,
  simulatorImage,
  startScratchEngine,
} from '../containers/scratch-engine.js';
import { benchDownloads } from './downloads.js';
import { benchHttp, MEASURES, type Row } from './http.js';
import { benchInstall } from './install.js';
import { benchInstances } from './instances.js';
import { canPin, LOAD_CORE, pinToCore } from './pin.js';
import { benchRuntime, type RuntimeRun, runtimesReport } from './runtimes.js';
import { benchStreams } from './streams.js';
import { benchSupervisor } from './supervisor.js';
import { percentile, supervisorReport } from './supervisor-report.js';

type Values = Record<
  | 'seconds'
  | 'rounds'
  | 'warmup'
  | 'connections'
  | 'servers'
  | 'scale-servers'
  | 'scale-running'
  | 'streams'
  | 'stream-seconds'
  | 'starts'
  | 'servers-idle'
  | 'cpu-seconds'
  | 'instances'
  | 'progress-lines'
  | 'tick-ms',
  string
> & { 'cpu-prof'?: string };

/** The dialects to run on: SQLite always, PostgreSQL (a fresh database on that server) with DATABASE_URL. */
function dialects(): Array<{ name: string; databaseUrl: string | undefined }> {
  const url = process.env.DATABASE_URL;
  return [
    { name: 'sqlite', databaseUrl: undefined },
    ...(url ? [{ name: 'postgres', databaseUrl: url }] : []),
  ];
}

/** --cpu-prof DIR: the panel writes a V8 CPU profile there when it ends (open it in Chrome's DevTools). */
function profile(values: Values): { panelNodeArgs?: string[] } {
  const dir = values['cpu-prof'];
  return dir ? { panelNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] } : {};
}

function load(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function printTable(rows: Row[]): void {
  console.log('| measure | panel req/s | ceiling req/s | panel/ceiling | target | |');
  console.log('|---|---|---|---|---|---|');
  for (const { measure, panel, ceiling } of rows) {
    const ratio = panel.requestsPerSecond / ceiling.requestsPerSecond;
    const problems =
      panel.errors + panel.non2xx > 0 ? ` (${panel.errors} errors, ${panel.non2xx} non-2xx)` : '';
    const pass = ratio >= measure.target && problems === '';
    console.log(
      `| ${measure.name} | ${panel.requestsPerSecond.toFixed(0)} | ${ceiling.requestsPerSecond.toFixed(0)} | ` +
        `${ratio.toFixed(2)}${problems} | >= ${measure.target.toFixed(2)} | ${pass ? 'pass' : 'FAIL'} |`,
    );
  }
}

async function http(values: Values, pin: boolean, scale: boolean) {
  const servers = Number(values[scale ? 'scale-servers' : 'servers']);
  const running = scale ? Number(values['scale-running']) : 0;
  const measures = scale
    ? MEASURES.filter((measure) =>
        ['GET /servers (JSON)', 'GET / (HTML dashboard)', 'GET /servers (HTML)'].includes(measure.name),
      )
    : MEASURES;
  for (const { name, databaseUrl } of dialects()) {
    const loadBefore = load();
    const { rows, database } = await benchHttp({
      servers,
      running,
      seconds: Number(values.seconds),
      rounds: Number(values.rounds),
      warmupSeconds: Number(values.warmup),
      connections: Number(values.connections),
      databaseUrl,
      pin,
      measures,
      ...profile(values),
    });
    console.log(
      `# HTTP, ${name}: ${servers} servers${running ? ` (${running} running on the simulator, the rest stopped)` : ''}, ` +
        `signed in; panel vs a raw node:http server replaying its bytes; ${values.connections} connections, ` +
        `${values.warmup} s warm-up, then ${values.rounds} rounds of ${values.seconds} s each, panel and ceiling in turn; ` +
        `${pin ? `panel and ceiling on core 0, load on core ${LOAD_CORE}` : 'not pinned (taskset or a 2nd core missing)'}; ` +
        `${database ? `${database}; ` : ''}load average ${loadBefore} before`,
    );
    printTable(rows);
    console.log('');
  }
}

async function streams(values: Values, pin: boolean) {
  for (const { name, databaseUrl } of dialects()) {
    const loadBefore = load();
    const figures = await benchStreams({
      streams: Number(values.streams),
      servers: Number(values.servers),
      seconds: Number(values['stream-seconds']),
      databaseUrl,
      pin,
      ...profile(values),
    });
    console.log(
      `# Event streams, ${name}: ${figures.streams} GET /events streams (one admin, every server) while ` +
        `${figures.servers} servers change state once a second, ${values['stream-seconds']} s; ` +
        `${figures.changes} changes (${figures.unseenChanges} folded by the supervisor, seen by nobody), ` +
        `${figures.deliveries} of ${figures.expected} deliveries; ` +
        `the reader (on core ${LOAD_CORE}) used ${(figures.loadCpuPercent / 100).toFixed(2)} core; load average ${loadBefore} before`,
    );
    const row = (measure: string, value: string, target: string, pass: boolean) =>
      console.log(`| ${measure} | ${value} | ${target} | ${pass ? 'pass' : 'FAIL'} |`);
    console.log('| measure | panel | target | |');
    console.log('|---|---|---|---|');
    const spread = figures.spreadP99Ms;
    row(
      'event delivery p99 (first viewer to each viewer)',
      `${spread.toFixed(1)} ms`,
      '< 250 ms',
      spread < 250,
    );
    const fromRequest = `${figures.p50Ms.toFixed(1)} / ${figures.p99Ms.toFixed(1)} ms`;
    row('event delivery p50 / p99 (from the request that changes the state)', fromRequest, '', true);
    row('panel RSS (peak)', `${figures.peakRssMb.toFixed(0)} MB`, '< 250 MB', figures.peakRssMb < 250);
    row('panel CPU', `${(figures.cpuPercent / 100).toFixed(2)} core`, '< 1 core', figures.cpuPercent < 100);
    console.log('');
  }
}

async function supervisor(values: Values) {
  const options = {
    starts: Number(values.starts),
    idleServers: Number(values['servers-idle']),
    cpuSeconds: Number(values['cpu-seconds']),
  };
  console.log(
    `# Supervisor: a panel process (sqlite, default supervisor options) on the srcds simulator ` +
      `(${options.starts} starts, ${options.starts} crashes, ${options.idleServers} idle servers, ` +
      `${options.cpuSeconds} s CPU window; ${os.cpus().length} cores, shared)`,
  );
  for (const line of supervisorReport(await benchSupervisor(options), options)) console.log(line);
  console.log('');
}

async function instances(values: Values) {
  const figures = await benchInstances({ servers: Number(values.instances) });
  const { install } = figures;
  console.log(
    `# Instance directories: ${figures.instances} servers over a tree shaped like an L4D2 install ` +
      `(${install.files} files, ${(install.bytes / 1024 ** 3).toFixed(1)} GB apparent, sparse)`,
  );
  const row = (name: string, samples: number[]) =>
    `| ${name} | ${samples.length} | ${percentile(samples, 50).toFixed(1)} | ${percentile(samples, 95).toFixed(1)} | < 1000 |`;
  console.log('| measure | n | median ms | p95 ms | aim |');
  console.log('|---|---|---|---|---|');
  console.log(row('first build of an instance', figures.firstBuildMs));
  console.log(row('rebuild (every launch does one)', figures.rebuildMs));
  console.log(`| rebuildAll() of all ${figures.instances} | 1 | ${figures.rebuildAllMs.toFixed(0)} | | |`);
  console.log('');
  console.log(`Entries in one instance (links and its own directories): ${figures.instanceEntries}.`);
}

async function downloads(values: { 'download-mb': string; 'download-runs': string }) {
  const figures = await benchDownloads({
    sizeMb: Number(values['download-mb']),
    runs: Number(values['download-runs']),
  });
  const mb = figures.bytes / 1024 ** 2;
  console.log(
    `# Workshop downloads: a ${mb.toFixed(0)} MB VPK from a local file server, the panel (POST /addons to ` +
      `ready) against curl to the same disk, interleaved, ${figures.panelSeconds.length} runs each`,
  );
  const median = (samples: number[]) => percentile(samples, 50);
  const rate = (seconds: number) => mb / seconds;
  console.log('| measure | panel | curl | panel/curl |');
  console.log('|---|---|---|---|');
  const panel = rate(median(figures.panelSeconds));
  const curl = rate(median(figures.curlSeconds));
  console.log(
    `| throughput, median MB/s | ${panel.toFixed(0)} | ${curl.toFixed(0)} | ${(panel / curl).toFixed(2)} |`,
  );
  console.log(
    `| panel RSS MB: before, peak during the downloads, after | ${figures.rssBeforeMb.toFixed(0)}, ` +
      `${figures.rssPeakMb.toFixed(0)}, ${figures.rssAfterMb.toFixed(0)} | | |`,
  );
}

async function install(values: Values) {
  const options = { lines: Number(values['progress-lines']), tickMs: Number(values['tick-ms']) };
  const figures = await benchInstall(options);
  console.log(
    `# Install progress: SteamCMD (the simulator, under the panel's pseudo-terminal) prints ${options.lines} ` +
      `progress lines, one every ${options.tickMs} ms; an SSE client on /install/events times each event ` +
      `(${os.cpus().length} cores, shared)`,
  );
  console.log('| measure | n | median | p95 | max | aim |');
  console.log('|---|---|---|---|---|---|');
  const { latencyMs } = figures;
  console.log(
    `| progress line printed → event in the browser (ms) | ${latencyMs.length} | ${percentile(latencyMs, 50).toFixed(1)} | ` +
      `${percentile(latencyMs, 95).toFixed(1)} | ${Math.max(...latencyMs).toFixed(1)} | p95 < 200 |`,
  );
  console.log('');
  console.log(
    `Events received for ${figures.received} of ${figures.printed} progress lines. Over the ${figures.jobSeconds.toFixed(1)} s ` +
      `job: panel CPU ${figures.panelCpuPercent.toFixed(1)} % of one core, pty relay (script) ` +
      `${figures.relayCpuPercent.toFixed(1)} %.`,
  );
  console.log('');
}

const sections = ['http', 'scale', 'streams', 'supervisor', 'instances', 'install', 'downloads'] as const;

/**
 * The process runtime and a container runtime in one run, on an engine of the bench's own (its own
 * dockerd; a swarm of one node for `swarm`) and the simulator image.
 */
async function runtimes(values: {
  runtime?: string;
  starts: string;
  'runtime-idle': string;
  'cpu-seconds': string;
}) {
  const runtime = values.runtime as 'docker' | 'swarm';
  const reason = engineUnavailable();
  if (reason) throw new Error(`--runtime ${runtime}: ${reason}`);
  const options = {
    starts: Number(values.starts),
    idleServers: Number(values['runtime-idle']),
    cpuSeconds: Number(values['cpu-seconds']),
  };
  console.log(
    `# Runtimes: process vs ${runtime}, a panel process each (sqlite) on the srcds simulator ` +
      `(the image of \`l4d2web image build --simulator\` in a dockerd of the bench's own; ` +
      `${os.cpus().length} cores, shared)`,
  );
  const engine = await startScratchEngine();
  try {
    if (runtime === 'swarm') await initSwarm(engine);
    const image = await simulatorImage(engine);
    const runs: RuntimeRun[] = [];
    for (const kind of ['process', runtime] as const)
      runs.push(await benchRuntime(kind, engine, image, options));
    for (const line of runtimesReport(runs, options)) console.log(line);
  } finally {
    await engine.stop();
  }
}

/**
 * `npm run bench [-- --only http,scale,streams,supervisor,instances,install,downloads --seconds 3 --rounds 3
 * --warmup 2 --connections 10 --servers 100 --scale-servers 1000 --scale-running 100 --streams 1000
 * --stream-seconds 20 --starts 20 --servers-idle 100 --cpu-seconds 30 --instances 20 --progress-lines 300
 * --tick-ms 20 --download-mb 1024 --download-runs 3]`: prints figures (performance.md's tables with their
 * targets), asserts nothing. With DATABASE_URL (a PostgreSQL server), http, scale and streams run on
 * SQLite and then on a fresh database there. `--cpu-prof DIR`: the panel of those sections writes a CPU
 * profile into DIR.
 * `--runtime docker|swarm [--runtime-idle 20]` compares that runtime with the process runtime instead
 * (root, Debian's docker.io and debootstrap).
 */
async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      servers: { type: 'string', default: '100' },
      'scale-servers': { type: 'string', default: '1000' },
      'scale-running': { type: 'string', default: '100' },
      streams: { type: 'string', default: '1000' },
      'stream-seconds': { type: 'string', default: '20' },
      starts: { type: 'string', default: '20' },
      'servers-idle': { type: 'string', default: '100' },
      'cpu-seconds': { type: 'string', default: '30' },
      instances: { type: 'string', default: '20' },
      runtime: { type: 'string' },
      'runtime-idle': { type: 'string', default: '20' },
      'progress-lines': { type: 'string', default: '300' },
      'tick-ms': { type: 'string', default: '20' },
      'download-mb': { type: 'string', default: '1024' },
      'download-runs': { type: 'string', default: '3' },
    },
  });
  const only = values.only?.split(',');
  for (const name of only ?? []) {
    if (!(sections as readonly string[]).includes(name))
      throw new Error(`--only takes ${sections.join(', ')} (comma-separated)`);
  }
  const { only: _only, 'cpu-prof': _profile, runtime: _runtime, ...numbers } = values;
  for (const [name, value] of Object.entries(numbers)) {
    if (!(Number(value) >= 0) || (name !== 'scale-running' && !(Number(value) > 0)))
      throw new Error(`--${name} takes a positive number`);
  }
  if (values.runtime !== undefined) {
    if (!runtimeKinds.includes(values.runtime as never) || values.runtime === 'process') {
      throw new Error('--runtime takes docker or swarm (compared with process in the same run)');
    }
    return runtimes(values);
  }
  const run = (section: string) => only === undefined || only.includes(section);
  const pin = canPin();
  // The load generator (this process) on its own core while the HTTP and stream figures are taken.
  if (pin) pinToCore(process.pid, LOAD_CORE);
  if (run('http')) await http(values as Values, pin, false);
  if (run('scale')) await http(values as Values, pin, true);
  if (run('streams')) await streams(values as Values, pin);
  // The other figures are taken as before, on every core.
  if (pin) pinToCore(process.pid, -1);
  if (run('supervisor')) await supervisor(values as Values);
  if (run('instances')) await instances(values as Values);
  if (run('install')) await install(values as Values);
  if (run('downloads')) await downloads(values);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
