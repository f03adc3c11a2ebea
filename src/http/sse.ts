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
 * The open Server-Sent Event streams of one app's routes, so that closing the app ends them (an open
 * stream never goes idle, so the HTTP server would otherwise wait for every browser).
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

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
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      this.open.delete(end);
      release();
      onEnd();
      raw.end();
    };
    const write = (chunk: string) => {
      if (ended) return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) return end();
      raw.write(chunk);
    };
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), this.heartbeatMs);
    heartbeat.unref();
    this.open.add(end);
    const release = this.holder(request, end);
    // The response closes when the client goes away (the request's own 'close' fires too early).
    raw.once('close', end);
    raw.on('error', end);
    const send: SendEvent<Event> = (event) =>
      write(`event: ${event.type}\ndata: ${JSON.stringify('payload' in event ? event.payload : event)}\n\n`);
    return { send, end };
  }
}
