import { closeSync, type FSWatcher, fstatSync, openSync, readSync, watch } from 'node:fs';
import { appendFile, copyFile, mkdir, open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** The previous part of a console log, kept when the log is cut. */
export function previousLogPath(logPath: string): string {
  return `${logPath}.1`;
}

/**
 * Keeps a console log under maxBytes (plus what arrives between two checks): once it is larger, its
 * content moves to `<log>.1` (replacing the older part) and the log is cut to zero. The game server
 * writes with O_APPEND, so its next line lands at the new end instead of leaving a hole.
 * Returns true when it cut the log.
 */
export async function boundConsoleLog(logPath: string, maxBytes: number): Promise<boolean> {
  let size: number;
  try {
    size = (await stat(logPath)).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  await copyFile(logPath, previousLogPath(logPath));
  await truncate(logPath, 0);
  return true;
}

/** Appends one line of the panel's own (e.g. why a server stopped) to the console log. */
export async function appendConsoleNote(logPath: string, note: string): Promise<void> {
  await mkdir(path.dirname(logPath), { recursive: true });
  await appendFile(logPath, `[l4d2web] ${new Date().toISOString()} ${note}\n`);
}

/** The log's size now (0 when there is none yet): a launched process's own output starts there. */
export async function logSize(file: string): Promise<number> {
  try {
    const handle = await open(file, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

/** The console output from offset on (at most 64 KiB), where a failed start explains itself. */
export function readLogFrom(file: string, offset: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const { size } = fstatSync(fd);
      const start = offset <= size ? offset : 0;
      const length = Math.min(size - start, 64 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, start);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

async function readLastBytes(file: string, bytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of the log (reaching into the previous part when the log was just cut). */
export async function lastConsoleLines(
  logPath: string,
  count: number,
  maxBytes = 64 * 1024,
): Promise<string[]> {
  let text = await readLastBytes(logPath, maxBytes);
  if (text.split('\n').length <= count)
    text = (await readLastBytes(previousLogPath(logPath), maxBytes)) + text;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  // The first line may have been cut in the middle by the byte limit.
  if (text.length >= maxBytes) lines.shift();
  return lines.slice(-count);
}

/**
 * Follows a console log from its current end, calling onLine for each complete new line. Notices
 * writes through inotify and, as a safety net, a slow poll; restarts from 0 when the log was cut.
 */
export class ConsoleFollower {
  private offset = -1;
  private partial = '';
  private decoder = new StringDecoder('utf8');
  private watcher: FSWatcher | undefined;
  private readonly timer: NodeJS.Timeout;
  private reading = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly logPath: string,
    private readonly onLine: (line: string) => void,
    pollMs = 1000,
  ) {
    this.timer = setInterval(() => this.read(), pollMs).unref();
    void this.begin();
  }

  private async begin(): Promise<void> {
    await mkdir(path.dirname(this.logPath), { recursive: true });
    await appendFile(this.logPath, '');
    this.offset = (await stat(this.logPath)).size;
    if (this.closed) return;
    try {
      this.watcher = watch(this.logPath, () => this.read());
      this.watcher.on('error', () => undefined);
    } catch {
      // The poll alone follows it.
    }
  }

  private read(): void {
    if (this.offset < 0 || this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.readNew()
      .catch(() => undefined)
      .finally(() => {
        this.reading = false;
        if (this.again) {
          this.again = false;
          this.read();
        }
      });
  }

  private async readNew(): Promise<void> {
    const handle = await open(this.logPath, 'r');
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Cut by boundConsoleLog: what is there now is new.
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
      }
      while (this.offset < size && !this.closed) {
        const buffer = Buffer.alloc(Math.min(size - this.offset, 256 * 1024));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.partial + this.decoder.write(buffer.subarray(0, bytesRead))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) this.onLine(line.replace(/\r$/, ''));
      }
    } finally {
      await handle.close();
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.watcher?.close();
  }
}
