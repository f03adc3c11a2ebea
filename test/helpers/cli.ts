import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

/** Runs the built `l4d2web` command (npm test builds dist first) with only the given environment. */
export function runCli(args: string[], env: Record<string, string>, input = '') {
  const result = spawnSync(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    input,
    encoding: 'utf8',
    timeout: 20_000,
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
