import type { ChildProcess } from 'node:child_process';

export interface WatchedOutput {
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches; fails after timeoutMs with the output so far. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Collects a child's stdout and stderr (both piped) as text. */
export function watchOutput(child: ChildProcess): WatchedOutput {
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    output: () => output,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no output matching ${pattern} in ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
