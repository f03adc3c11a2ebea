import { describe, expect, it } from 'vitest';
import { parseConnected, parseStatusPlayers } from '../../src/servers/status-reply.js';
import { formatConnected } from '../../src/servers/views/players-section.js';
import { stockCampaigns } from '../../src/views/campaigns.js';

const status = `hostname: My "quoted" server
version : 2.2.4.3 9060 secure
udp/ip  : 127.0.0.1:27015
map     : c1m1_hotel at: 0 x, 0 y, 0 z
players : 3 humans, 1 bots (8 max)

# userid name uniqueid connected ping loss state rate adr
#  2 "Ellis" STEAM_1:0:1008198 05:12 27 0 active 30000 127.0.0.1:27007
#  3 "Nick "the gambler"" STEAM_1:1:1012297 1:02:03 34 0 active 30000 127.0.0.1:27008
#      4 "Coach" BOT active
`;

describe('parseStatusPlayers', () => {
  it("reads srcds's status rows: userid, name (quotes and all), uniqueid and time connected", () => {
    expect(parseStatusPlayers(status)).toEqual([
      { userid: 2, name: 'Ellis', uniqueid: 'STEAM_1:0:1008198', seconds: 312 },
      { userid: 3, name: 'Nick "the gambler"', uniqueid: 'STEAM_1:1:1012297', seconds: 3723 },
      { userid: 4, name: 'Coach', uniqueid: 'BOT', seconds: null },
    ]);
  });

  it('finds nobody in a status without players, or in something else entirely', () => {
    expect(parseStatusPlayers('players : 0 humans\n# userid name uniqueid connected\n')).toEqual([]);
    expect(parseStatusPlayers('Unknown command "status"')).toEqual([]);
  });
});

describe('parseConnected / formatConnected', () => {
  it('turns srcds times into seconds and back', () => {
    expect(parseConnected('05:12')).toBe(312);
    expect(parseConnected('1:02:03')).toBe(3723);
    expect(parseConnected('active')).toBeNull();
    expect(formatConnected(312)).toBe('5:12');
    expect(formatConnected(3723.9)).toBe('1:02:03');
  });
});

describe('stockCampaigns', () => {
  it('groups the stock maps by campaign, in order', () => {
    const campaigns = stockCampaigns();
    expect(campaigns).toHaveLength(14);
    expect(campaigns[0]).toEqual({
      name: 'Dead Center',
      maps: ['c1m1_hotel', 'c1m2_streets', 'c1m3_mall', 'c1m4_atrium'],
    });
    expect(campaigns.at(-1)?.name).toBe('The Last Stand');
    expect(stockCampaigns(['c2m1_highway', 'c1m1_hotel', 'x_custom']).map((c) => c.name)).toEqual([
      'Other',
      'Dead Center',
      'Dark Carnival',
    ]);
  });
});
