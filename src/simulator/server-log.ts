import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GAME_VERSION } from './a2s.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** srcds's log file name: `L` + month + day + the first free 3-digit counter of that day. */
export function logFileName(date: Date, counter: number): string {
  return `L${pad(date.getMonth() + 1)}${pad(date.getDate())}${pad(counter, 3)}.log`;
}

/** `L 04/12/2024 - 13:05:09: ` in local time, as every line of a srcds log starts. */
export function logLinePrefix(date: Date): string {
  const day = `${pad(date.getMonth() + 1)}/${pad(date.getDate())}/${date.getFullYear()}`;
  return `L ${day} - ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}: `;
}

/**
 * The server log srcds keeps in `<root>/<game>/logs/` (sv_logsdir), opened at start. It is the
 * simulator's one write to its game root, so a test sees whether a server wrote into its instance or
 * into the install.
 */
export class ServerLog {
  readonly file: string | undefined;

  /** Opens a new file; on failure (a read-only root) srcds carries on without one, and so do we. */
  constructor(
    rootDir: string,
    game: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const dir = path.join(rootDir, game, 'logs');
    const started = now();
    try {
      mkdirSync(dir, { recursive: true });
      for (let counter = 0; counter < 1000 && this.file === undefined; counter++) {
        const name = logFileName(started, counter);
        const line = `Log file started (file "logs/${name}") (game "${path.join(rootDir, game)}") (version "${GAME_VERSION}")`;
        try {
          writeFileSync(path.join(dir, name), `${logLinePrefix(started)}${line}\n`, { flag: 'wx' });
          this.file = path.join(dir, name);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
    } catch {
      this.file = undefined;
    }
  }

  line(text: string): void {
    if (this.file === undefined) return;
    try {
      appendFileSync(this.file, `${logLinePrefix(this.now())}${text}\n`);
    } catch {
      // A log that cannot be written is not worth a crash.
    }
  }
}
