import { spawn } from 'node:child_process';
import { shellQuote } from '../launch/plan.js';
import { childPids, groupRunning } from '../os/proc.js';
import { LineSplitter, plainText } from './progress.js';

export interface PtyExit {
  code: number | null;
  signal: string | null;
}

export interface PtyRun {
  /** util-linux `script`'s pid (its own process group). */
  pid: number;
  /** Resolves once the program (and `script`) exited and every line was delivered. */
  exited: Promise<PtyExit>;
  /** Ends the program's process group (SIGTERM, then SIGKILL after `graceMs`) and `script`'s. */
  terminate(graceMs?: number): Promise<PtyExit>;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGKILLs the group and waits (a few seconds at most) until none of it runs any more. */
async function killGroup(pgid: number, waitMs = 5000): Promise<void> {
  signalGroup(pgid, 'SIGKILL');
  const deadline = Date.now() + waitMs;
  while (groupRunning(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Runs `program args...` under a pseudo-terminal made by util-linux `script -qfec CMD /dev/null`, so
 * a program that holds its output back when stdout is not a terminal (SteamCMD) prints each line as
 * it happens. No native pty module: `script` is on every Debian system (bsdutils) and in CI.
 *
 * `script` runs in its own process group (detached); the program runs in a session of its own that
 * `script` makes (pgid = its pid), so ending it means signalling that group: every process SteamCMD
 * started goes with it. Lines arrive without terminal escapes; stdout and stderr arrive merged, as a
 * terminal shows them.
 */
export function runInPty(
  program: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; onLine: (line: string) => void },
): PtyRun {
  // The command string goes to `$SHELL -c`: a POSIX shell, whatever the user's login shell is.
  const command = `exec ${[program, ...args].map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...options.env, SHELL: '/bin/sh', TERM: 'dumb' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const splitter = new LineSplitter((line) => options.onLine(plainText(line)));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => splitter.push(chunk));
  // script's own complaints (a missing program is the shell's, on the terminal).
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => splitter.push(chunk));
  const pid = child.pid ?? -1;
  // The program's session leader, learned while it runs (it may be gone by the time we end it).
  let sessionLeader: number | undefined;
  const learnLeader = () => {
    sessionLeader ??= childPids(pid)[0];
    if (sessionLeader !== undefined) clearInterval(watch);
  };
  const watch = setInterval(learnLeader, 20);
  const exited = new Promise<PtyExit>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('close', (code, signal) => {
      clearInterval(watch);
      splitter.end();
      resolve({ code, signal });
    });
  });
  const terminate = async (graceMs = 3000): Promise<PtyExit> => {
    learnLeader();
    const groups = [sessionLeader, pid].filter((group): group is number => group !== undefined && group > 0);
    for (const group of groups) signalGroup(group, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const group of groups) signalGroup(group, 'SIGKILL');
    }, graceMs);
    const result = await exited;
    clearTimeout(timer);
    // script is gone; the program's group may outlive it for a moment (or ignore SIGTERM).
    if (sessionLeader !== undefined) await killGroup(sessionLeader);
    return result;
  };
  return { pid, exited, terminate };
}
