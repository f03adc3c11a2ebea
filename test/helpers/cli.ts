import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WatchedOutput, watchOutput } from './output.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

/** Runs the built `l4d2web` command (npm test builds dist first) with only the given environment. */
export function runCli(args: string[], env: Record<string, string>, input = '', timeoutMs = 20_000) {
  const result = spawnSync(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface PanelProcess {
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Its exit code once it exits (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** `l4d2web serve` as a real process on top of this environment, logging at warn. The caller kills it. */
export function spawnPanel(env: Record<string, string>): PanelProcess {
  const child = spawn(process.execPath, [main, 'serve'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

export interface ServingCli extends WatchedOutput {
  /** The address it serves on, once it says so. */
  url: Promise<string>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `l4d2web serve` on a free port until stop(); with `terminal`, under a pseudo-terminal
 * (util-linux `script`), as a user's shell would run it.
 */
export function startServing(env: Record<string, string>, { terminal = false } = {}): ServingCli {
  const command = [process.execPath, main, 'serve'];
  const child = terminal
    ? spawn('script', ['-qfec', `exec ${command.map((part) => `'${part}'`).join(' ')}`, '/dev/null'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      })
    : spawn(command[0] ?? 'node', command.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      });
  const watched = watchOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = watched
    .waitForOutput(/l4d2web on http:\/\/127\.0\.0\.1:\d+/, 20_000)
    .then(() => /l4d2web on (http:\/\/127\.0\.0\.1:\d+)/.exec(watched.output())?.[1] ?? '');
  return {
    ...watched,
    url,
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
