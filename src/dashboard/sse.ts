import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Sends one event, named by its `type` (`event: state`), with the object as its JSON data. */
export type SendEvent<Event extends { type: string } = { type: string }> = (event: Event) => void;

const HEARTBEAT_MS = 20_000;
/** A client this far behind is not reading: drop it rather than buffer without end. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The open Server-Sent Event streams of one app, so that closing the app ends them (an open
 * stream would otherwise keep the HTTP server from closing).
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(app: FastifyInstance) {
    app.addHook('preClose', (done) => {
      for (const end of [...this.open]) end();
      done();
    });
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Answers with text/event-stream. `start` subscribes to whatever feeds the stream and returns
   * its unsubscribe function, called once the client goes away or the app closes.
   */
  serve<Event extends { type: string }>(
    reply: FastifyReply,
    start: (send: SendEvent<Event>) => () => void,
  ): void {
    reply.hijack();
    const raw: ServerResponse = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    raw.write('retry: 3000\n\n');
    let stop: (() => void) | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      this.open.delete(end);
      stop?.();
      raw.end();
    };
    const write = (chunk: string) => {
      if (ended) return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) return end();
      raw.write(chunk);
    };
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.open.add(end);
    // The response closes when the client goes away (the request's own 'close' fires too early).
    raw.once('close', end);
    const send: SendEvent<Event> = (event) =>
      write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    stop = start(send);
    if (ended) stop();
  }
}
