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
    let buffer = '';
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.dispatch(buffer.slice(0, end), at);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.failure = error as Error;
    }
  }

  private dispatch(frame: string, at: number): void {
    const lines = frame.split('\n');
    if (!lines.includes('event: state')) return;
    const data = lines.find((line) => line.startsWith('data: '));
    if (!data) return;
    const event = JSON.parse(data.slice(6)) as StateEvent;
    this.current = event;
    for (const waiter of [...this.waiters]) {
      if (!waiter.test(event)) continue;
      this.waiters.delete(waiter);
      waiter.resolve({ at, event });
    }
  }
}
