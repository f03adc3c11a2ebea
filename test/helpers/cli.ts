import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WatchedOutput, watchOutput } from './output.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

/**
 * Runs the built `l4d2web` command (npm test builds dist first) with only the given environment and
 * `input` on stdin, without blocking this process (an in-process PGlite must keep serving).
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  input = '',
  timeoutMs = 20_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', UPDATE_CHECK_HOURS: '0', ...env },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

export interface PanelProcess extends WatchedOutput {
  child: ChildProcess;
  /** What it wrote to stderr so far (where it says why it will not start). */
  stderr(): string;
  /** Its exit code once it exits (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The address it serves on, once it logs it (LOG_LEVEL info). */
  url(): Promise<string>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/**
 * `l4d2web serve` (or `demo`; the built dist/) as a real process with only this environment and PATH, on a free
 * port unless PORT is given, logging at warn unless LOG_LEVEL is given. With `terminal`, under a
 * pseudo-terminal (util-linux `script`), as a user's shell would run it. The caller stops or kills it.
 */
export function spawnPanel(
  env: Record<string, string>,
  {
    terminal = false,
    command: subcommand = 'serve',
  }: { terminal?: boolean; command?: 'serve' | 'demo' } = {},
): PanelProcess {
  const command = [process.execPath, main, subcommand];
  const options: SpawnOptions = {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No update checks: a steamcmd on PATH must never reach Steam from a test.
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', UPDATE_CHECK_HOURS: '0', ...env },
  };
  const child: ChildProcess = terminal
    ? spawn('script', ['-qfec', `exec ${command.map((part) => `'${part}'`).join(' ')}`, '/dev/null'], options)
    : spawn(process.execPath, command.slice(1), options);
  const watched = watchOutput(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const served = /l4d2web on (http:\/\/127\.0\.0\.1:\d+)/;
  return {
    ...watched,
    child,
    stderr: () => stderr,
    exited,
    url: () => watched.waitForOutput(served, 20_000).then(() => served.exec(watched.output())?.[1] ?? ''),
    stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Under `script`, the panel is script's child: signalled itself, it shuts down as it would
        // on Ctrl-C (script, signalled, would kill it).
        const pids = terminal ? childrenOf(child.pid) : [child.pid];
        for (const pid of pids) if (pid) process.kill(pid, 'SIGTERM');
      }
      return exited;
    },
  };
}
