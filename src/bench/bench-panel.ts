import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { LOOPBACK } from '../supervisor/link.js';
import { freePort, mainJs, signUpWithBlueprint, waitForHealth } from './http.js';
import { nextState, PanelClient } from './panel-client.js';
import { freeGamePorts } from './ports.js';
import { killLeftovers } from './procs.js';

/** This process's environment without the simulator's faults and the test database. */
export function benchEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SIM_') && name !== 'DATABASE_URL'),
  );
}

/**
 * A panel process (`node dist/main.js serve`, SQLite, default supervisor options) on a simulated install
 * in a temp dir, signed up with the bench blueprint, with game ports for `servers` servers.
 */
export class BenchPanel {
  readonly created: number[] = [];
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly dataDir: string,
    readonly installDir: string,
    readonly process: ChildProcess,
    private readonly ports: number[],
    readonly api: PanelClient,
    private readonly blueprintId: number,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', resolve));
  }

  static async start(name: string, servers: number, env: Record<string, string> = {}): Promise<BenchPanel> {
    const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `l4d2web-bench-${name}-`)));
    const installDir = path.join(dataDir, 'sim-srcds');
    await layOutSimulatedInstall(installDir);
    const ports = await freeGamePorts(servers);
    const httpPort = await freePort();
    const base = `http://${LOOPBACK}:${httpPort}`;
    const child = spawn(process.execPath, [mainJs, 'serve'], {
      env: {
        ...benchEnv(),
        PORT: String(httpPort),
        HOST: LOOPBACK,
        DATA_DIR: dataDir,
        SRCDS_DIR: installDir,
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      await waitForHealth(base, child);
      const { auth, blueprintId } = await signUpWithBlueprint(base);
      return new BenchPanel(dataDir, installDir, child, ports, new PanelClient(base, auth), blueprintId);
    } catch (error) {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get pid(): number {
    return this.process.pid as number;
  }

  /** A port for a server of the bench's own (not the panel's). */
  takePort(): number {
    return this.ports.shift() as number;
  }

  async create(name: string): Promise<number> {
    const id = await this.api.createServer(name, this.takePort(), this.blueprintId);
    this.created.push(id);
    return id;
  }

  /** start → SSE `running` (timed from the POST), then stop, `cycles` times; `before` runs ahead of each. */
  async startStopCycles(id: number, cycles: number, before?: () => Promise<void>): Promise<number[]> {
    const times: number[] = [];
    const stream = await this.api.events(id);
    try {
      for (let i = 0; i < cycles; i++) {
        await before?.();
        const running = nextState(stream, 'running', 60_000);
        const t0 = performance.now();
        await this.api.call('POST', `/servers/${id}/start`);
        times.push((await running).at - t0);
        const stopped = nextState(stream, 'stopped', 60_000);
        await this.api.call('POST', `/servers/${id}/stop`);
        await stopped;
      }
    } finally {
      stream.close();
    }
    return times;
  }

  /** Starts them all; the time until every one is running. */
  async startAll(ids: number[], timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    for (const id of ids) await this.api.call('POST', `/servers/${id}/start`);
    await this.api.waitAll(ids, 'running', timeoutMs);
    return performance.now() - t0;
  }

  /** Stops them all; whether every one stopped in time. */
  async stopAll(ids: number[], timeoutMs: number): Promise<boolean> {
    for (const id of ids) await this.api.call('POST', `/servers/${id}/stop`).catch(() => undefined);
    return this.api.waitAll(ids, 'stopped', timeoutMs).then(
      () => true,
      () => false,
    );
  }

  /**
   * SIGKILLs the server's game process (the pid `gamePid` finds) and times, from the kill, until the
   * panel notices (state leaves `running`) and until it is `running` again.
   */
  async crashToRunning(
    id: number,
    gamePid: () => Promise<number>,
  ): Promise<{ noticeMs: number; runningMs: number }> {
    const events = await this.api.events(id);
    try {
      const gone = events.next((event) => event.actual_state !== 'running', 15_000);
      const back = nextState(events, 'running', 60_000);
      const t0 = performance.now();
      process.kill(await gamePid(), 'SIGKILL');
      return { noticeMs: (await gone).at - t0, runningMs: (await back).at - t0 };
    } finally {
      events.close();
    }
  }

  /**
   * Whatever happened: stops what still runs, ends the panel, kills any game server left (their
   * command lines name their instances in dataDir) and removes it all; returns how many were left.
   */
  async close(): Promise<number> {
    if (this.process.exitCode === null) await this.stopAll(this.created, 60_000);
    this.process.kill('SIGTERM');
    if ((await Promise.race([this.exited.then(() => true), sleep(10_000).then(() => false)])) === false) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    const leftovers = killLeftovers(this.dataDir);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    return leftovers;
  }
}
