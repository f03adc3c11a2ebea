import { spawnSync } from 'node:child_process';
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
