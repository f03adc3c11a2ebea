import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { consoleLogPath, pidFilePath, serverDataDir } from '../config/paths.js';
import { displayLaunchLine, type LaunchPlan } from '../launch/plan.js';
import { currentBootId, isRunning, readProcStat } from '../os/proc.js';
import { type ExitInfo, LaunchError, type Runtime, type RuntimeHandle } from './runtime.js';

/** `$DATA_DIR/servers/<id>/pid`: enough to recognise the very same process after a panel restart. */
interface PidFile {
  pid: number;
  /** From /proc/<pid>/stat: a reused pid has another start time. */
  startTime: number;
  bootId: string;
  launchedAt: number;
}

export interface ProcessRuntimeOptions {
  dataDir: string;
  /** How often adopted processes (not our children, so no exit event) are looked up in /proc. */
  adoptedPollMs: number;
  env?: NodeJS.ProcessEnv;
}

class ProcessHandle implements RuntimeHandle {
  private alive = true;
  private resolveExit!: (exit: ExitInfo) => void;
  readonly exited = new Promise<ExitInfo>((resolve) => {
    this.resolveExit = resolve;
  });

  constructor(
    readonly serverId: number,
    readonly pid: number,
    readonly startTime: number,
    readonly launchedAt: number,
    readonly adopted: boolean,
  ) {}

  isAlive(): boolean {
    return this.alive;
  }

  finish(exit: ExitInfo): void {
    if (!this.alive) return;
    this.alive = false;
    this.resolveExit(exit);
  }
}

export function missingInstallMessage(installDir: string): string {
  const command = path.join(installDir, 'srcds_run');
  return (
    `srcds_run is missing at ${command}: install the L4D2 dedicated server there with ` +
    `"steamcmd +force_install_dir ${installDir} +login anonymous +app_update 222860 validate +quit", ` +
    'or point SRCDS_DIR at an existing install'
  );
}

/**
 * The default runtime: srcds_run as a detached process (its own process group, so it outlives the
 * panel), its stdout and stderr appended to the console log through a file descriptor (never a pipe
 * to the panel, which would block or kill it once the panel is gone), and a pid file for adoption.
 */
export class ProcessRuntime implements Runtime {
  private readonly watched = new Set<ProcessHandle>();
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProcessRuntimeOptions) {}

  async launch(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle> {
    // The instance's srcds_run is a link to the install's: missing when the install lacks it.
    try {
      await access(plan.command, constants.F_OK);
    } catch {
      throw new LaunchError(missingInstallMessage(plan.installDir));
    }
    try {
      await access(plan.command, constants.X_OK);
    } catch {
      const installed = path.join(plan.installDir, 'srcds_run');
      throw new LaunchError(`srcds_run at ${installed} is not executable (chmod +x it)`);
    }
    await mkdir(serverDataDir(this.options.dataDir, serverId), { recursive: true });
    // The cfg holds the rcon password: readable by the panel's user only.
    await writeFile(plan.cfgPath, plan.cfgText, { mode: 0o600 });
    await chmod(plan.cfgPath, 0o600);

    // O_APPEND: the child always writes at the end, so truncating the log (to bound it) just works.
    const fd = openSync(consoleLogPath(this.options.dataDir, serverId), 'a');
    const launchedAt = Date.now();
    let child: ReturnType<typeof spawn>;
    try {
      writeSync(fd, `[l4d2web] ${new Date(launchedAt).toISOString()} launching ${displayLaunchLine(plan)}\n`);
      child = spawn(plan.command, plan.args, {
        cwd: plan.cwd,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: this.options.env ?? process.env,
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new LaunchError(`could not start ${plan.command}: ${error.message}`);
    }
    child.unref();
    child.on('error', () => undefined);
    const startTime = readProcStat(pid)?.startTime ?? 0;
    const handle = new ProcessHandle(serverId, pid, startTime, launchedAt, false);
    child.once('exit', (code, signal) => this.exited(handle, { code, signal, known: true }));
    const record: PidFile = { pid, startTime, bootId: currentBootId(), launchedAt };
    await writeFile(pidFilePath(this.options.dataDir, serverId), `${JSON.stringify(record)}\n`);
    return handle;
  }

  async adopt(serverId: number): Promise<RuntimeHandle | null> {
    const record = this.readPidFile(serverId);
    if (record === null) return null;
    const stat = readProcStat(record.pid);
    if (record.bootId !== currentBootId() || !isRunning(stat) || stat.startTime !== record.startTime) {
      await this.forget(serverId);
      return null;
    }
    const handle = new ProcessHandle(serverId, record.pid, record.startTime, record.launchedAt, true);
    this.watched.add(handle);
    this.pollTimer ??= setInterval(() => this.pollAdopted(), this.options.adoptedPollMs).unref();
    return handle;
  }

  signal(handle: RuntimeHandle, signal: NodeJS.Signals): void {
    if (!handle.isAlive()) return;
    try {
      // detached: true made it a process-group leader: the group id is its pid.
      process.kill(-handle.pid, signal);
    } catch {
      try {
        process.kill(handle.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  async forget(serverId: number): Promise<void> {
    const pidFile = pidFilePath(this.options.dataDir, serverId);
    // Most servers removed were never started: asking is cheaper than a failed unlink's error.
    if (!existsSync(pidFile)) return;
    try {
      unlinkSync(pidFile);
    } catch {
      // Gone meanwhile.
    }
  }

  close(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.watched.clear();
  }

  private readPidFile(serverId: number): PidFile | null {
    try {
      const record = JSON.parse(readFileSync(pidFilePath(this.options.dataDir, serverId), 'utf8')) as PidFile;
      return Number.isInteger(record.pid) && record.pid > 1 ? record : null;
    } catch {
      return null;
    }
  }

  /** Adopted processes are not our children: no exit event, so look them up in /proc. */
  private pollAdopted(): void {
    for (const handle of this.watched) {
      const stat = readProcStat(handle.pid);
      if (!isRunning(stat) || stat.startTime !== handle.startTime) {
        this.exited(handle, { code: null, signal: null, known: false });
      }
    }
    if (this.watched.size === 0) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  private exited(handle: ProcessHandle, exit: ExitInfo): void {
    this.watched.delete(handle);
    // Leftovers of the group (real srcds_run starts srcds_linux as a child) go with their leader.
    try {
      process.kill(-handle.pid, 'SIGKILL');
    } catch {
      // Nothing left.
    }
    if (this.readPidFile(handle.serverId)?.pid === handle.pid) void this.forget(handle.serverId);
    handle.finish(exit);
  }
}
