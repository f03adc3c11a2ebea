/**
 * GET /events with more streams open than the batching threshold (src/http/sse.ts): writes are held
 * back and sent together, and every stream still gets every event, in order, with one supervisor
 * listener per server (src/dashboard/hub.ts).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../src/dashboard/event-types.js';
import { type OpenStream, openStream } from '../helpers/app.js';
import { type ScriptedApp, startScriptedApp } from '../helpers/scripted.js';

const STREAMS = 130;

describe('GET /events with many viewers', () => {
  let scripted: ScriptedApp;
  let baseUrl: string;
  beforeAll(async () => {
    scripted = await startScriptedApp();
    baseUrl = await scripted.t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => scripted.t.close());

  it('gives each of 130 streams every event in order, through one listener per server; none is left after', async () => {
    const { owner, supervisor, serverId } = scripted;
    const streams: OpenStream<DashboardEvent>[] = [];
    for (let n = 0; n < STREAMS; n++)
      streams.push(openStream<DashboardEvent>(`${baseUrl}/events`, owner.cookieHeader));
    expect(new Set(await Promise.all(streams.map((stream) => stream.ready)))).toEqual(new Set([200]));
    // The snapshot: a state and a live event for each of the two servers.
    await expect.poll(() => streams.every((stream) => stream.events.length === 4)).toBe(true);
    expect(supervisor.listeners(serverId)).toBe(1);

    const states = ['starting', 'running', 'stopping', 'stopped'] as const;
    for (let round = 0; round < 5; round++) {
      for (const actual_state of states) {
        supervisor.emit(serverId, {
          type: 'state',
          actual_state,
          desired_state: 'running',
          last_error: `${round}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sent = 5 * states.length;
    await expect.poll(() => streams.every((stream) => stream.events.length === 4 + sent)).toBe(true);
    const expected = Array.from({ length: sent }, (_, n) => `${Math.floor(n / 4)} ${states[n % 4]}`);
    for (const stream of streams) {
      const seen = stream.events
        .slice(4)
        .map((event) => (event.type === 'state' ? `${event.last_error} ${event.actual_state}` : event.type));
      expect(seen).toEqual(expected);
    }

    for (const stream of streams) stream.close();
    await expect.poll(() => supervisor.listeners(serverId)).toBe(0);
  });

  it('drops a stream whose client stops reading, once 1 MB waits for it; the panel goes on', async () => {
    const { owner, supervisor, serverId, t } = scripted;
    const { port } = new URL(baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCookie: ${owner.cookieHeader}\r\n\r\n`,
    );
    socket.pause();
    await expect.poll(() => supervisor.listeners(serverId)).toBe(1);
    const big = 'x'.repeat(64 * 1024);
    for (let n = 0; n < 2000 && supervisor.listeners(serverId) > 0; n++) {
      supervisor.emit(serverId, {
        type: 'state',
        actual_state: 'running',
        desired_state: 'running',
        last_error: big,
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(supervisor.listeners(serverId)).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    socket.destroy();
  });
});
