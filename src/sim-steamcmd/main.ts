import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { loadOptions, RUNS_LOG, STATE_FILE } from './options.js';
import { SteamcmdOutput } from './output.js';
import { parseCommands, type SessionHost, SteamcmdSession } from './session.js';

async function failuresSoFar(dir: string): Promise<number> {
  try {
    const state = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as { failures?: unknown };
    return typeof state.failures === 'number' ? state.failures : 0;
  } catch {
    return 0;
  }
}

/** With SIM_STEAMCMD_TRACE=FILE, each line printed is appended there with its time (ms since 1970). */
function tracer(file: string | undefined): ((line: string) => void) | undefined {
  if (!file) return undefined;
  return (line) =>
    appendFileSync(file, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${line}\n`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let steamDir = process.cwd();
  if (argv[0] === '--dir' && argv[1] !== undefined) steamDir = path.resolve(argv.splice(0, 2)[1] ?? '.');
  let host: SessionHost;
  try {
    const options = await loadOptions(process.env, steamDir);
    const out = new SteamcmdOutput(
      options.bufferWhenNotTty && process.stdout.isTTY !== true,
      undefined,
      tracer(process.env.SIM_STEAMCMD_TRACE),
    );
    host = {
      steamDir,
      options,
      out,
      sleep: (ms) => sleep(ms),
      layOutGame: layOutSimulatedInstall,
      failuresSoFar: () => failuresSoFar(steamDir),
      recordFailure: async () =>
        writeFile(
          path.join(steamDir, STATE_FILE),
          JSON.stringify({ failures: (await failuresSoFar(steamDir)) + 1 }),
        ),
    };
  } catch (error) {
    process.stderr.write(`sim-steamcmd: ${(error as Error).message}\n`);
    return 1;
  }
  appendFileSync(path.join(steamDir, RUNS_LOG), `${JSON.stringify({ pid: process.pid, args: argv })}\n`);
  const session = new SteamcmdSession(host);
  try {
    session.banner();
    const code = await session.run(parseCommands(argv));
    if (code !== null) return code;
    return await interactive(session, host);
  } finally {
    host.out.flush();
  }
}

/** Without `+quit`, SteamCMD prompts for commands on stdin; the end of stdin ends it. */
async function interactive(session: SteamcmdSession, host: SessionHost): Promise<number> {
  host.out.write('Steam>');
  for await (const line of createInterface({ input: process.stdin })) {
    const [name = '', ...args] = line.trim().split(/\s+/);
    if (name !== '') {
      const result = await session.execute({ name, args });
      if (typeof result === 'number') return result;
    }
    host.out.write('Steam>');
  }
  return 0;
}

process.exitCode = await main();
