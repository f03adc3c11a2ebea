import { appendFile, stat } from 'node:fs/promises';
import { FrameParser, isAfter, TimestampedLines } from './log-frames.js';

/**
 * Copies a container's (or a service's) log stream into the server's console.log as lines arrive,
 * the way the process runtime's srcds_run writes there itself. Lines at or before `after` are
 * skipped: after a panel restart, the stream is asked again from where the log file ended.
 */
export class ConsoleCopy {
  private readonly frames = new FrameParser();
  private readonly lines = new TimestampedLines();
  private writing: Promise<void> = Promise.resolve();
  private lastTime: string;
  /** Resolves when the stream ended (the container exited, or close()) and every line is written. */
  readonly finished: Promise<void>;

  constructor(
    private readonly stream: NodeJS.ReadableStream & { destroy?(): void },
    private readonly logPath: string,
    after: string,
  ) {
    this.lastTime = after;
    this.finished = new Promise<void>((resolve) => {
      const done = () => resolve(this.writing);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    stream.on('data', (chunk: Buffer) => this.take(chunk));
  }

  close(): void {
    this.stream.destroy?.();
  }

  private take(chunk: Buffer): void {
    let text = '';
    for (const payload of this.frames.push(chunk)) {
      for (const line of this.lines.push(payload)) {
        if (line.time && !isAfter(line.time, this.lastTime)) continue;
        if (line.time) this.lastTime = line.time;
        text += `${line.text}\n`;
      }
    }
    if (!text) return;
    // O_APPEND, one write after another: the supervisor may cut the file at any time (boundConsoleLog).
    this.writing = this.writing.then(() => appendFile(this.logPath, text).catch(() => undefined));
  }
}

/**
 * Where to resume a log stream after a panel restart: the console log's last write, to the
 * nanosecond (as an RFC 3339 time to compare lines with, and seconds for the engine's `since`).
 */
export async function resumePoint(logPath: string): Promise<{ after: string; since: string }> {
  try {
    const { mtimeNs } = await stat(logPath, { bigint: true });
    const seconds = mtimeNs / 1_000_000_000n;
    const nanos = (mtimeNs % 1_000_000_000n).toString().padStart(9, '0');
    const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${nanos}Z`);
    return { after: iso, since: `${seconds}.${nanos}` };
  } catch {
    return { after: '', since: '0' };
  }
}
