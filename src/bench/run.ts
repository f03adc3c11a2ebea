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
import { benchHttp } from './http.js';
import { benchInstall } from './install.js';
import { benchInstances } from './instances.js';
import { benchRuntime, type RuntimeRun, runtimesReport } from './runtimes.js';
import { benchSupervisor } from './supervisor.js';
import { percentile, supervisorReport } from './supervisor-report.js';

async function http(values: { seconds: string; connections: string; servers: string }) {
  const databaseUrl = process.env.DATABASE_URL;
  console.log(
    `# HTTP: panel vs a raw node:http server sending the same bytes (${values.servers} servers, ` +
      `${values.connections} connections, ${values.seconds} s each, database: ${databaseUrl ? 'postgres' : 'sqlite'})`,
  );
  const rows = await benchHttp({
    servers: Number(values.servers),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    databaseUrl,
  });
  console.log('| endpoint | panel req/s | panel p99 ms | ceiling req/s | ceiling p99 ms | panel/ceiling |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, panel, ceiling } of rows) {
    const ratio = panel.requestsPerSecond / ceiling.requestsPerSecond;
    const problems =
      panel.errors + panel.non2xx > 0 ? ` (${panel.errors} errors, ${panel.non2xx} non-2xx)` : '';
    console.log(
      `| ${name} | ${panel.requestsPerSecond.toFixed(0)} | ${panel.p99Ms} | ${ceiling.requestsPerSecond.toFixed(0)} | ` +
        `${ceiling.p99Ms} | ${ratio.toFixed(2)}${problems} |`,
    );
  }
}

async function supervisor(values: { starts: string; 'servers-idle': string; 'cpu-seconds': string }) {
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
}

async function instances(values: { instances: string }) {
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

async function install(values: { 'progress-lines': string; 'tick-ms': string }) {
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
}

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
 * `npm run bench [-- --only http|supervisor|instances|install|downloads --seconds 10 --connections 10 --starts 20
 * --servers-idle 100 --cpu-seconds 30 --instances 20 --progress-lines 300 --tick-ms 20 --download-mb 1024
 * --download-runs 3]`: prints figures, asserts nothing.
 * `--runtime docker|swarm [--runtime-idle 20]` compares that runtime with the process runtime instead
 * (root, Debian's docker.io and debootstrap).
 */
async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      servers: { type: 'string', default: '100' },
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
  const sections = ['http', 'supervisor', 'instances', 'install', 'downloads'];
  if (values.only !== undefined && !sections.includes(values.only)) {
    throw new Error('--only takes http, supervisor, instances, install or downloads');
  }
  for (const name of [
    'seconds',
    'connections',
    'servers',
    'starts',
    'servers-idle',
    'cpu-seconds',
    'instances',
    'runtime-idle',
    'progress-lines',
    'tick-ms',
    'download-mb',
    'download-runs',
  ] as const) {
    if (!(Number(values[name]) > 0)) throw new Error(`--${name} takes a positive number`);
  }
  if (values.runtime !== undefined) {
    if (!runtimeKinds.includes(values.runtime as never) || values.runtime === 'process') {
      throw new Error('--runtime takes docker or swarm (compared with process in the same run)');
    }
    return runtimes(values);
  }
  const run = (section: string) => values.only === undefined || values.only === section;
  if (run('http')) await http(values);
  if (values.only === undefined) console.log('');
  if (run('supervisor')) await supervisor(values);
  if (values.only === undefined) console.log('');
  if (run('instances')) await instances(values);
  if (values.only === undefined) console.log('');
  if (run('install')) await install(values);
  if (run('downloads')) await downloads(values);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
