/**
 * The Workshop the addon tests share: a local fake Steam (src/bench/fake-steam.ts, never the real
 * one) holding an item, one with a newer version to come, a private item, a wrong-game item, a
 * download cut short, one that is not a VPK, two whose size is announced wrong, one whose connection
 * drops half-way, and a collection
 * holding a nested collection (which holds its parent again) and an empty one. And uploads.
 */
import { expect } from 'vitest';
import { type FakeSteam, startFakeSteam } from '../../src/bench/fake-steam.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import { multipart } from './addon-files.js';
import type { Client } from './app.js';

export const campaign = buildMapVpk(['c20m1_custom', 'c20m2_custom']);
export const second = buildMapVpk(['c21m1_second']);

export function startWorkshop(): Promise<FakeSteam> {
  return startFakeSteam({
    items: [
      { id: '1001', title: 'Custom Campaign', body: campaign, timeUpdated: 1700000100 },
      { id: '1002', title: 'Second', body: second },
      { id: '1003', title: 'Private', body: second, private: true },
      { id: '1004', title: 'A TF2 hat', body: second, appId: 440 },
      { id: '1005', title: 'Cut short', body: campaign, cutShort: true },
      { id: '1006', title: 'Not a VPK', body: Buffer.from('<html>an error page</html>') },
      { id: '1007', title: 'Announced bigger', body: campaign, fileSize: campaign.length + 100 },
      { id: '1008', title: 'Announced smaller', body: campaign, fileSize: campaign.length - 100 },
      { id: '1009', title: 'Connection drops', body: campaign, dropHalfway: true },
    ],
    collections: [
      { id: '2001', children: [{ id: '1001' }, { id: '2002', collection: true }, { id: '1003' }] },
      // Nested, and holding its parent: expanded once.
      {
        id: '2002',
        children: [{ id: '1002' }, { id: '1001' }, { id: '2001', collection: true }, { id: '1004' }],
      },
      { id: '2003', children: [] },
    ],
  });
}

/** POST /addons/upload of one file as JSON; the response. */
export function uploadAddon(client: Client, content: Buffer, filename: string, field = 'file') {
  const { payload, headers } = multipart(content, filename, field);
  return client.send('POST', '/addons/upload', {
    payload,
    headers: { ...headers, accept: 'application/json' },
  });
}

/** An upload that must succeed: its addon id. */
export async function uploaded(client: Client, content: Buffer, filename: string): Promise<number> {
  const response = await uploadAddon(client, content, filename);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

/** Item 1001 as an addon once downloaded (the Addon JSON). */
export const campaignAddon = (id: number) => ({
  id,
  kind: 'workshop',
  workshop_id: '1001',
  title: 'Custom Campaign',
  filename: '1001.vpk',
  size: campaign.length,
  time_updated: 1700000100,
  state: 'ready',
  percent: 100,
  error: '',
  maps: ['c20m1_custom', 'c20m2_custom'],
});
