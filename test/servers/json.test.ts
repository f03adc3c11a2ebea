import { describe, expect, it } from 'vitest';
import type { AuthorizedServer } from '../../src/servers/access.js';
import { serverJsonBytes, serversJsonBody } from '../../src/servers/json.js';
import { toServer } from '../../src/servers/servers.js';
import type { LiveStatus } from '../../src/supervisor/control.js';

const server = (id: number, name: string): AuthorizedServer => ({
  row: {
    id,
    user_id: 1,
    blueprint_id: 2,
    name,
    port: 27015 + id * 20,
    desired_state: 'running',
    actual_state: 'running',
    last_error: 'a "quoted" \\ line\nand \u2028 \ud800',
    rcon_password: 'secret',
    node: 'eu',
    restart_required: 1,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  },
  access: 'member',
  permissions: ['view', 'console'],
});

describe('the kept JSON of servers', () => {
  it('is byte for byte what JSON.stringify gives, never the rcon password, and follows the live status', () => {
    const list = [server(1, 'Alpha · ✓'), server(2, '<Bravo>')];
    const live = new Map<number, LiveStatus | null>([
      [1, { map: 'c1m1_hotel', players: 3, max_players: 8 }],
      [2, null],
    ]);
    const liveOf = (id: number) => live.get(id) ?? null;
    const expected = () => JSON.stringify({ servers: list.map((one) => toServer(one, liveOf(one.row.id))) });
    expect(serversJsonBody(list, liveOf).body.toString('utf8')).toBe(expected());
    expect(serversJsonBody(list, liveOf).body.toString('utf8')).not.toContain('secret');
    // Nothing changed: the list's body is kept, not joined again.
    const kept = serversJsonBody(list, liveOf);
    expect(serversJsonBody(list, liveOf)).toBe(kept);
    live.set(1, { map: 'c2m1_highway', players: 4, max_players: 8 });
    expect(serversJsonBody(list, liveOf).body.toString('utf8')).toBe(expected());
    expect(serversJsonBody(list, liveOf).etag).not.toBe(kept.etag);
    expect(serversJsonBody([], liveOf).body.toString('utf8')).toBe('{"servers":[]}');
    expect(serverJsonBytes(list[1] as AuthorizedServer, null).toString('utf8')).toBe(
      JSON.stringify(toServer(list[1] as AuthorizedServer, null)),
    );
  });
});
