import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sends one event, named by its `type` (`event: state`), with the object as its JSON data, or its
 * `payload` when it has one (`event: addon`, the data an Addon as it is).
 */
export type SendEvent<Event extends StreamEvent = StreamEvent> = (event: Event) => void;

export interface StreamEvent {
  type: string;
  payload?: unknown;
}

/** What one stream sends: the current facts, then the changes as they come. */
export interface EventFeed<Event extends StreamEvent> {
  /** Starts listening to the changes; returns the unsubscribe function. `end` ends the stream. */
  subscribe(send: SendEvent<Event>, end: () => void): () => void;
  /** Sends the current facts; changes heard meanwhile are sent after it, in order. */
  snapshot(send: SendEvent<Event>): Promise<void> | void;
}

/**
 * Ends a stream before its client goes away when what it was opened under ends (its session:
 * src/auth/session-streams.ts). Given the request and the stream's end, returns the release.
 */
export type StreamHolder = (request: FastifyRequest, end: () => void) => () => void;

/** A client this far behind is not reading: drop it rather than buffer without end. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * With more than BATCH_ABOVE streams open on a route, a stream writes at most every WRITE_EVERY_MS:
 * what comes sooner waits and goes out with the next write (an event after a quiet spell at once).
 * 1,000 viewers of 100 changing servers then cost a write per viewer per 50 ms, not a system call per
 * event and viewer, and one timer for all of them. With fewer, every event is written at once.
 */
const WRITE_EVERY_MS = 50;
const BATCH_ABOVE = 100;

/** Each event's frame, made once however many streams send it (the same event object). */
const frames = new WeakMap<object, string>();

function frameOf(event: StreamEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `event: ${event.type}\ndata: ${JSON.stringify('payload' in event ? event.payload : event)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/**
 * The open Server-Sent Event streams of one app's routes, so that closing the app ends them (an open
 * stream never goes idle, so the HTTP server would otherwise wait for every browser).
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  /** Streams holding back what came too soon after their last write; one timer writes them all. */
  private readonly waiting = new Set<() => void>();
  private waitTimer: NodeJS.Timeout | undefined;

  /**
   * @param heartbeatMs a comment line this often keeps proxies from closing an idle stream.
   * @param holder ends a stream when its session ends.
   */
  constructor(
    app: FastifyInstance,
    private readonly heartbeatMs: number,
    private readonly holder: StreamHolder,
  ) {
    app.addHook('preClose', (done) => {
      for (const end of [...this.open]) end();
      done();
    });
  }

  /**
   * Answers with text/event-stream. Listens before taking the snapshot, so nothing falls between
   * the two; unsubscribes once the client goes away or the app closes. A failed snapshot ends the
   * stream (the browser reconnects).
   */
  async serve<Event extends StreamEvent>(
    request: FastifyRequest,
    reply: FastifyReply,
    feed: EventFeed<Event>,
  ): Promise<void> {
    let unsubscribe = () => {};
    const { send, end } = this.openStream<Event>(request, reply, () => unsubscribe());
    let early: Event[] | null = [];
    unsubscribe = feed.subscribe((event) => (early ? early.push(event) : send(event)), end);
    try {
      await feed.snapshot(send);
    } catch (error) {
      request.log.error(error);
      end();
      return;
    }
    for (const event of early) send(event);
    early = null;
  }

  /** Sends the headers and keeps the stream alive until the client goes away or the app closes. */
  private openStream<Event extends StreamEvent>(
    request: FastifyRequest,
    reply: FastifyReply,
    onEnd: () => void,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    raw.write('retry: 3000\n\n');
    let ended = false;
    let pending = '';
    let lastWrite = 0;
    const flush = () => {
      this.waiting.delete(flush);
      if (ended || pending === '') return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        // Not reading: what waits is dropped with the stream (end() would otherwise flush it again).
        pending = '';
        return end();
      }
      lastWrite = performance.now();
      raw.write(pending);
      pending = '';
    };
    const end = () => {
      if (ended) return;
      flush();
      ended = true;
      clearInterval(heartbeat);
      this.open.delete(end);
      release();
      onEnd();
      raw.end();
    };
    const write = (chunk: string) => {
      if (ended) return;
      pending += chunk;
      if (this.waiting.has(flush)) return;
      const soon = this.open.size > BATCH_ABOVE && performance.now() - lastWrite < WRITE_EVERY_MS;
      if (soon) this.holdBack(flush);
      else flush();
    };
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), this.heartbeatMs);
    heartbeat.unref();
    this.open.add(end);
    const release = this.holder(request, end);
    // The response closes when the client goes away (the request's own 'close' fires too early).
    raw.once('close', end);
    raw.on('error', end);
    const send: SendEvent<Event> = (event) => write(frameOf(event));
    return { send, end };
  }

  /** Writes `flush`'s stream with every other held back one, WRITE_EVERY_MS from the first of them. */
  private holdBack(flush: () => void): void {
    this.waiting.add(flush);
    this.waitTimer ??= setTimeout(() => {
      this.waitTimer = undefined;
      for (const waiting of [...this.waiting]) waiting();
    }, WRITE_EVERY_MS);
  }
}
