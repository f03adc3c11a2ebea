import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { signUpWithBlueprint } from './http.js';
import { PanelClient } from './panel-client.js';
import { benchPort, startPanelProcess } from './panel-process.js';
import { PANEL_CORE, pinToCore } from './pin.js';
import { cpuSeconds, rssMb } from './procs.js';
import { percentile } from './supervisor-report.js';

export interface StreamsBenchOptions {
  streams: number;
  servers: number;
  seconds: number;
  databaseUrl?: string | undefined;
  pin: boolean;
  /** Node's own options for the panel (e.g. --cpu-prof). */
  panelNodeArgs?: string[];
}

export interface StreamsFigures {
  streams: number;
  servers: number;
  changes: number;
  deliveries: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Changes no viewer saw (the supervisor folds a start and the stop after it when it is behind). */
  unseenChanges: number;
  /** From the first viewer's arrival of a change to each viewer's: the fan-out alone. */
  spreadP50Ms: number;
  spreadP99Ms: number;
  cpuPercent: number;
  /** The bench's own CPU (it reads every stream) over the window, in % of a core. */
  loadCpuPercent: number;
  rssMb: number;
  peakRssMb: number;
}

const progress = (line: string) => process.stderr.write(`streams bench: ${line}\n`);

const STATE = Buffer.from('event: state\n');
const SERVER_ID = Buffer.from('"server_id":');
const DESIRED = Buffer.from('"desired_state":"');
const FRAME_END = Buffer.from('\n\n');

/**
 * One GET /events read by node:http, cheaply (bytes searched natively, no text decoded but two
 * fields): a slow reader would fall behind, and the panel drops a stream 1 MB behind.
 */
function openStream(
  base: string,
  cookie: string,
  onState: (serverId: number, desired: string, at: number) => void,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/events`, {
      headers: { accept: 'text/event-stream', cookie },
      agent: false,
    });
    request.once('error', reject);
    request.once('response', (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET /events: ${response.statusCode}`));
      let rest: Buffer = Buffer.alloc(0);
      response.on('data', (chunk: Buffer) => {
        const at = performance.now();
        const buffer = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        let start = 0;
        let end = buffer.indexOf(FRAME_END, start);
        while (end >= 0) {
          if (buffer.indexOf(STATE, start) === start) {
            const idAt = buffer.indexOf(SERVER_ID, start) + SERVER_ID.length;
            let id = 0;
            for (
              let i = idAt;
              buffer[i] !== undefined && (buffer[i] as number) >= 48 && (buffer[i] as number) <= 57;
              i++
            )
              id = id * 10 + (buffer[i] as number) - 48;
            const desiredAt = buffer.indexOf(DESIRED, start) + DESIRED.length;
            // running or stopped: the first letter tells.
            onState(id, buffer[desiredAt] === 114 ? 'running' : 'stopped', at);
          }
          start = end + 2;
          end = buffer.indexOf(FRAME_END, start);
        }
        rest = buffer.subarray(start);
      });
      response.on('error', () => undefined);
      resolve(request);
    });
  });
}

/**
 * `streams` dashboard event streams (GET /events, one admin who sees every server) on a panel whose
 * `servers` servers each change state once a second: started and stopped in turn through the API (the
 * install has no srcds_run, so a start ends in `failed` at once, and no game process runs). Two times
 * per change and viewer: from the bench sending its request to the stream reading the first state event
 * that carries the new desired state (an upper bound: it includes the request and the supervisor's
 * step), and from the first viewer reading it to each viewer reading it (the fan-out, what 1,000
 * viewers add).
 */
export async function benchStreams(options: StreamsBenchOptions): Promise<StreamsFigures> {
  const panel = await startPanelProcess({
    databaseUrl: options.databaseUrl,
    ...(options.panelNodeArgs && { nodeArgs: options.panelNodeArgs }),
  });
  const requests: http.ClientRequest[] = [];
  try {
    if (options.pin) pinToCore(panel.pid, PANEL_CORE);
    const { base } = panel;
    const { auth, blueprintId } = await signUpWithBlueprint(base);
    const client = new PanelClient(base, auth);
    const ids: number[] = [];
    for (let n = 0; n < options.servers; n++)
      ids.push(await client.createServer(`server-${n}`, benchPort(n), blueprintId));

    // Per server: the desired state last asked for and when; per stream, whether it has seen it.
    const wanted = new Map<number, { desired: string; sentAt: number; change: number; firstAt?: number }>();
    const measured = new Map<number, boolean>();
    const latencies: number[] = [];
    const spreads: number[] = [];
    let measuring = false;
    for (let s = 0; s < options.streams; s++) {
      const seen = new Map<number, number>();
      requests.push(
        await openStream(base, auth.cookie, (serverId, desired, at) => {
          const asked = wanted.get(serverId);
          if (!asked || asked.desired !== desired || seen.get(serverId) === asked.change) return;
          seen.set(serverId, asked.change);
          asked.firstAt ??= at;
          if (measured.has(asked.change)) measured.set(asked.change, true);
          if (measuring) {
            latencies.push(at - asked.sentAt);
            spreads.push(at - asked.firstAt);
          }
        }),
      );
    }
    progress(`${options.streams} streams open`);

    let changes = 0;
    let change = 0;
    const cpuAndRss = { cpu0: 0, t0: 0, peak: 0 };
    const driveFor = async (seconds: number) => {
      const end = performance.now() + seconds * 1000;
      const gap = 1000 / ids.length;
      let next = performance.now();
      while (performance.now() < end) {
        for (const id of ids) {
          const desired = wanted.get(id)?.desired === 'running' ? 'stopped' : 'running';
          wanted.set(id, { desired, sentAt: performance.now(), change: ++change });
          if (measuring) {
            changes++;
            measured.set(change, false);
          }
          void client
            .call('POST', `/servers/${id}/${desired === 'running' ? 'start' : 'stop'}`)
            .catch(() => undefined);
          next += gap;
          const wait = next - performance.now();
          if (wait > 0) await sleep(wait);
        }
        if (measuring) cpuAndRss.peak = Math.max(cpuAndRss.peak, rssMb(panel.pid));
      }
    };
    await driveFor(5); // warm-up
    measuring = true;
    cpuAndRss.cpu0 = cpuSeconds(panel.pid);
    cpuAndRss.t0 = performance.now();
    const ownCpu0 = process.cpuUsage();
    await driveFor(options.seconds);
    const window = (performance.now() - cpuAndRss.t0) / 1000;
    const cpuPercent = ((cpuSeconds(panel.pid) - cpuAndRss.cpu0) / window) * 100;
    const ownCpu = process.cpuUsage(ownCpu0);
    const loadCpuPercent = ((ownCpu.user + ownCpu.system) / 1e6 / window) * 100;
    const endRss = rssMb(panel.pid);
    measuring = false;
    await sleep(1_000); // the last changes' deliveries
    latencies.sort((a, b) => a - b);
    spreads.sort((a, b) => a - b);
    return {
      streams: options.streams,
      servers: options.servers,
      changes,
      deliveries: latencies.length,
      expected: changes * options.streams,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? 0,
      unseenChanges: [...measured.values()].filter((seen) => !seen).length,
      spreadP50Ms: percentile(spreads, 50),
      spreadP99Ms: percentile(spreads, 99),
      cpuPercent,
      loadCpuPercent,
      rssMb: endRss,
      peakRssMb: Math.max(cpuAndRss.peak, endRss),
    };
  } finally {
    for (const request of requests) request.destroy();
    await panel.stop();
  }
}
