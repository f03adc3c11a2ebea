import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSteamcmdLine } from '../install/progress.js';
import { childPids } from '../os/proc.js';
import { layOutSimSteamcmd } from '../sim-steamcmd/install.js';
import { OPTIONS_FILE } from '../sim-steamcmd/options.js';
import { freePort, JSON_HEADERS, spawnBenchPanel, waitForHealth } from './http.js';
import { cpuSeconds, killLeftovers } from './procs.js';
import { SseReader } from './sse.js';

export interface InstallBenchOptions {
  /** Progress lines SteamCMD (the simulator) prints during the download. */
  lines: number;
  /** Between two lines. */
  tickMs: number;
}

export interface InstallFigures {
  /** ms from SteamCMD printing a progress line to the browser (an SSE client) having its event. */
  latencyMs: number[];
  /** Progress lines printed, and how many reached the client as events. */
  printed: number;
  received: number;
  /** The panel's CPU (user + system) over the job, in % of one core; and the pty relay's (`script`). */
  panelCpuPercent: number;
  relayCpuPercent: number;
  jobSeconds: number;
}

/** Wall-clock ms since 1970 with sub-ms precision, comparable across processes (the simulator's trace uses it too). */
const epochMs = () => performance.timeOrigin + performance.now();

/**
 * A panel process installs the game with the SteamCMD simulator printing `lines` progress lines every
 * `tickMs`; an SSE client on /install/events notes when each progress event arrives, the simulator
 * notes when it printed each line (SIM_STEAMCMD_TRACE), matched by bytes done. The panel's CPU is
 * read from /proc over the job.
 */
export async function benchInstall(options: InstallBenchOptions): Promise<InstallFigures> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-install-'));
  const dataDir = path.join(root, 'data');
  const steamcmd = await layOutSimSteamcmd(path.join(root, 'steamcmd'));
  const bytesPerLine = 10_000_000;
  await writeFile(
    path.join(root, 'steamcmd', OPTIONS_FILE),
    JSON.stringify({
      bytesTotal: bytesPerLine * options.lines,
      bytesPerSecond: (bytesPerLine * 1000) / options.tickMs,
      tickMs: options.tickMs,
    }),
  );
  const trace = path.join(root, 'trace.txt');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const panel = spawnBenchPanel(port, {
    DATA_DIR: dataDir,
    SRCDS_DIR: path.join(root, 'game'),
    STEAMCMD: steamcmd,
    SIM_STEAMCMD_TRACE: trace,
    UPDATE_CHECK_HOURS: '0',
  });
  const abort = new AbortController();
  try {
    await waitForHealth(base, panel);
    const register = await fetch(`${base}/register`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
    });
    const cookie = (register.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const stream = await fetch(`${base}/install/events`, {
      headers: { cookie, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!stream.ok || !stream.body) throw new Error(`GET /install/events: ${stream.status}`);
    const arrivals = new Map<number, number>();
    let installed: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      installed = resolve;
    });
    let sawJob = false;
    void (async () => {
      const reader = stream.body?.getReader();
      const frames = new SseReader();
      const decoder = new TextDecoder();
      for (;;) {
        const chunk = await reader?.read().catch(() => ({ done: true, value: undefined }));
        if (!chunk || chunk.done) return;
        const at = epochMs();
        for (const frame of frames.push(decoder.decode(chunk.value, { stream: true }))) {
          if (!frame.data) continue;
          const event = JSON.parse(frame.data) as {
            type: string;
            phase?: string;
            bytes_done?: number;
            state?: string;
            job?: unknown;
          };
          if (event.type === 'progress' && event.phase === 'download' && event.bytes_done !== undefined) {
            if (!arrivals.has(event.bytes_done)) arrivals.set(event.bytes_done, at);
          }
          if (event.type === 'install' && event.job) sawJob = true;
          if (event.type === 'install' && sawJob && event.state === 'installed') installed();
        }
      }
    })();
    const pid = panel.pid ?? 0;
    const cpuBefore = cpuSeconds(pid);
    const t0 = epochMs();
    let relayCpu = 0;
    const relay = setInterval(() => {
      for (const child of childPids(pid)) {
        try {
          if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'script') relayCpu = cpuSeconds(child);
        } catch {
          // Gone meanwhile.
        }
      }
    }, 100);
    const started = await fetch(`${base}/install`, {
      method: 'POST',
      headers: { accept: 'application/json', cookie },
    });
    if (started.status !== 202) throw new Error(`POST /install: ${started.status} ${await started.text()}`);
    await Promise.race([
      done,
      sleep(120_000).then(() => Promise.reject(new Error('the install did not finish'))),
    ]);
    clearInterval(relay);
    const seconds = (epochMs() - t0) / 1000;
    const panelCpu = cpuSeconds(pid) - cpuBefore;
    const printed = new Map<number, number>();
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const space = line.indexOf(' ');
      const parsed = parseSteamcmdLine(line.slice(space + 1));
      if (parsed.kind === 'progress' && parsed.code === '0x61' && !printed.has(parsed.done)) {
        printed.set(parsed.done, Number(line.slice(0, space)));
      }
    }
    const latencyMs = [...printed].flatMap(([bytes, at]) => {
      const arrived = arrivals.get(bytes);
      return arrived === undefined ? [] : [arrived - at];
    });
    return {
      latencyMs,
      printed: printed.size,
      received: latencyMs.length,
      panelCpuPercent: (panelCpu / seconds) * 100,
      relayCpuPercent: (relayCpu / seconds) * 100,
      jobSeconds: seconds,
    };
  } finally {
    abort.abort();
    if (panel.exitCode === null) {
      const exited = new Promise((resolve) => panel.once('exit', resolve));
      panel.kill('SIGTERM');
      await exited;
    }
    killLeftovers(root);
    rmSync(root, { recursive: true, force: true });
  }
}
