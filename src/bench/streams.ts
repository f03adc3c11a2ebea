import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchPort, signUpWithBlueprint } from './http.js';
import { PanelClient } from './panel-client.js';
import { startPanelProcess } from './panel-process.js';
import { PANEL_CORE, pinToCore } from './pin.js';
import { cpuSeconds, rssMb } from './procs.js';
import { percentile } from './supervisor-report.js';

export interface StreamsBenchOptions {
  streams: number;
  servers: number;
  seconds: number;
  databaseUrl?: string | undefined;
  pin: boolean;
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
  cpuPercent: number;
  rssMb: number;
  peakRssMb: number;
}

const progress = (line: string) => process.stderr.write(`streams bench: ${line}\n`);

/** One GET /events read by node:http, cheaply: only `state` events' server and desired state are looked at. */
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
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        let start = 0;
        while (end >= 0) {
          if (buffer.startsWith('event: state\n', start)) {
            const idAt = buffer.indexOf('"server_id":', start) + 12;
            const desiredAt = buffer.indexOf('"desired_state":"', start) + 17;
            onState(
              Number.parseInt(buffer.slice(idAt, idAt + 12), 10),
              buffer.slice(desiredAt, buffer.indexOf('"', desiredAt)),
              at,
            );
          }
          start = end + 2;
          end = buffer.indexOf('\n\n', start);
        }
        buffer = buffer.slice(start);
      });
      response.on('error', () => undefined);
      resolve(request);
    });
  });
}

/**
 * `streams` dashboard event streams (GET /events, one admin who sees every server) on a panel whose
 * `servers` servers each change state once a second: started and stopped in turn through the API (the
 * install has no srcds_run, so a start ends in `failed` at once, and no game process runs). A change's
 * delivery time runs from the bench sending its request to each stream reading the first state event
 * that carries the new desired state: an upper bound (it includes the request itself).
 */
export async function benchStreams(options: StreamsBenchOptions): Promise<StreamsFigures> {
  const panel = await startPanelProcess({ databaseUrl: options.databaseUrl });
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
    const wanted = new Map<number, { desired: string; sentAt: number; change: number }>();
    const latencies: number[] = [];
    let measuring = false;
    for (let s = 0; s < options.streams; s++) {
      const seen = new Map<number, number>();
      requests.push(
        await openStream(base, auth.cookie, (serverId, desired, at) => {
          const asked = wanted.get(serverId);
          if (!asked || asked.desired !== desired || seen.get(serverId) === asked.change) return;
          seen.set(serverId, asked.change);
          if (measuring) latencies.push(at - asked.sentAt);
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
          if (measuring) changes++;
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
    await driveFor(options.seconds);
    const cpuPercent =
      ((cpuSeconds(panel.pid) - cpuAndRss.cpu0) / ((performance.now() - cpuAndRss.t0) / 1000)) * 100;
    const endRss = rssMb(panel.pid);
    measuring = false;
    await sleep(1_000); // the last changes' deliveries
    latencies.sort((a, b) => a - b);
    return {
      streams: options.streams,
      servers: options.servers,
      changes,
      deliveries: latencies.length,
      expected: changes * options.streams,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? 0,
      cpuPercent,
      rssMb: endRss,
      peakRssMb: Math.max(cpuAndRss.peak, endRss),
    };
  } finally {
    for (const request of requests) request.destroy();
    await panel.stop();
  }
}
