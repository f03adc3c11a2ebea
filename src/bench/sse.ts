import { performance } from 'node:perf_hooks';

export interface StateEvent {
  actual_state: string;
  desired_state: string;
  last_error: string;
}

interface Waiter {
  test: (event: StateEvent) => boolean;
  resolve: (arrival: Arrival) => void;
}

/** A state event and when it arrived (performance.now()). */
export interface Arrival {
  at: number;
  event: StateEvent;
}

/** One Server-Sent Event: its `event:` name, if any, and its `data:` lines joined. */
export interface SseFrame {
  event: string | undefined;
  data: string;
}

/** Cuts a text/event-stream into its frames, however the chunks fall. */
export class SseReader {
  private buffer = '';

  push(text: string): SseFrame[] {
    this.buffer += text;
    const frames: SseFrame[] = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const lines = this.buffer.slice(0, end).split('\n');
      this.buffer = this.buffer.slice(end + 2);
      frames.push({
        event: lines.find((line) => line.startsWith('event: '))?.slice(7),
        data: lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n'),
      });
      end = this.buffer.indexOf('\n\n');
    }
    return frames;
  }
}

/**
 * Reads GET /servers/:id/events and stamps each `state` event with performance.now() at arrival.
 * open() resolves once the snapshot (the current state) arrived; waits only see later events.
 */
export class StateStream {
  private readonly abort = new AbortController();
  private readonly waiters = new Set<Waiter>();
  current: StateEvent | undefined;
  private failure: Error | undefined;

  private constructor() {}

  static async open(url: string, headers: Record<string, string>): Promise<StateStream> {
    const stream = new StateStream();
    const response = await fetch(url, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: stream.abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
    const snapshot = stream.next(() => true, 10_000);
    void stream.read(response.body);
    await snapshot;
    return stream;
  }

  /** The next state event that passes test. Never an unhandled rejection, even if nobody awaits it. */
  next(test: (event: StateEvent) => boolean, timeoutMs: number): Promise<Arrival> {
    const arrival = new Promise<Arrival>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const state = this.current ? JSON.stringify(this.current) : 'none';
        reject(this.failure ?? new Error(`no matching state event in ${timeoutMs} ms (last: ${state})`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (found) => {
          clearTimeout(timer);
          resolve(found);
        },
      };
      this.waiters.add(waiter);
    });
    arrival.catch(() => undefined);
    return arrival;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const frames = new SseReader();
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        const at = performance.now();
        for (const frame of frames.push(decoder.decode(chunk, { stream: true }))) this.dispatch(frame, at);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.failure = error as Error;
    }
  }

  private dispatch(frame: SseFrame, at: number): void {
    if (frame.event !== 'state' || !frame.data) return;
    const event = JSON.parse(frame.data) as StateEvent;
    this.current = event;
    for (const waiter of [...this.waiters]) {
      if (!waiter.test(event)) continue;
      this.waiters.delete(waiter);
      waiter.resolve({ at, event });
    }
  }
}
