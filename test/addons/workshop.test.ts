import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownloadProgress, download, redirectTarget } from '../../src/addons/download.js';
import { fetchWorkshopItem, type StoredVpk } from '../../src/addons/fetch.js';
import {
  parseWorkshopReference,
  resolveWorkshop,
  SteamApiError,
  SteamWebApi,
  WorkshopRefusal,
} from '../../src/addons/steam-api.js';
import { AddonStore } from '../../src/addons/store.js';
import type { FakeSteam } from '../../src/bench/fake-steam.js';
import { tempDir } from '../helpers/app.js';
import { campaign, startWorkshop } from '../helpers/workshop.js';

let steam: FakeSteam;
let api: SteamWebApi;
const dir = tempDir('l4d2web-workshop-');

beforeAll(async () => {
  steam = await startWorkshop();
  api = new SteamWebApi(steam.url);
});
afterAll(async () => {
  await steam.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Workshop references', () => {
  it('takes an id or a steamcommunity.com link', () => {
    expect(parseWorkshopReference('1001')).toBe('1001');
    expect(parseWorkshopReference(' 0001001 ')).toBe('1001');
    expect(parseWorkshopReference('https://steamcommunity.com/sharedfiles/filedetails/?id=123456789')).toBe(
      '123456789',
    );
    expect(parseWorkshopReference('https://steamcommunity.com/workshop/filedetails/?id=42&searchtext=')).toBe(
      '42',
    );
    for (const text of [
      '',
      'abc',
      '-1',
      '0',
      '1e5',
      '99999999999999999999',
      'https://evil.example/?id=1',
      'https://steamcommunity.com.evil.example/?id=1',
      'file:///etc/passwd',
      'https://steamcommunity.com/sharedfiles/filedetails/?id=x',
    ])
      expect(parseWorkshopReference(text), text).toBeNull();
  });
});

describe('Steam Web API client', () => {
  it('asks GetPublishedFileDetails with a form POST and resolves an item', async () => {
    const items = await resolveWorkshop(api, '1001');
    expect(items).toEqual([
      {
        details: {
          id: '1001',
          result: 1,
          appId: 550,
          title: 'Custom Campaign',
          fileSize: campaign.length,
          fileUrl: steam.fileUrl('1001'),
          timeUpdated: 1700000100,
        },
        problem: null,
      },
    ]);
    const ask = steam.requests.find((r) => r.path === '/ISteamRemoteStorage/GetPublishedFileDetails/v1/');
    expect(ask).toMatchObject({
      method: 'POST',
      contentType: expect.stringContaining('application/x-www-form-urlencoded'),
      form: { itemcount: '1', 'publishedfileids[0]': '1001' },
    });
    expect(
      steam.requests.find((r) => r.path === '/ISteamRemoteStorage/GetCollectionDetails/v1/')?.form,
    ).toEqual({
      collectioncount: '1',
      'publishedfileids[0]': '1001',
    });
  });

  it('refuses a private, a wrong-game and a missing item with the contract sentences', async () => {
    await expect(resolveWorkshop(api, '1003')).rejects.toThrow(
      new WorkshopRefusal('item 1003 has no public download (private or removed)'),
    );
    await expect(resolveWorkshop(api, '1004')).rejects.toThrow('item 1004 is not a Left 4 Dead 2 item');
    await expect(resolveWorkshop(api, '9999')).rejects.toThrow('item 9999 not found');
    await expect(resolveWorkshop(api, '2003')).rejects.toThrow('collection 2003 holds no items');
  });

  it('expands a collection and its nested collection once, each item once, refusals kept per item', async () => {
    const items = await resolveWorkshop(api, '2001');
    expect(items.map((item) => [item.details.id, item.problem])).toEqual([
      ['1001', null],
      ['1002', null],
      ['1004', 'item 1004 is not a Left 4 Dead 2 item'],
      ['1003', 'item 1003 has no public download (private or removed)'],
    ]);
  });

  it('expands 100 collections at most: a chain of 300 nested ones costs Steam no more requests', async () => {
    for (let n = 0; n < 300; n++) {
      const id = String(3000 + n);
      steam.collections.set(id, {
        id,
        children: [{ id: '1001' }, { id: String(3001 + n), collection: true }],
      });
    }
    const asked = () =>
      steam.requests.filter((request) => request.path.includes('GetCollectionDetails')).length;
    const before = asked();
    const items = await resolveWorkshop(api, '3000');
    expect(items.map((item) => item.details.id)).toEqual(['1001']);
    expect(asked() - before).toBe(100);
  });

  it('takes only digits for ids from the API: a collection naming another id is not followed', async () => {
    steam.collections.set('2900', { id: '2900', children: [{ id: '1001' }, { id: '../../../tmp/evil' }] });
    expect(await api.collectionChildren('2900')).toBeNull();
    steam.collections.set('2901', { id: '2901', children: [{ id: '1001' }] });
    expect(await api.collectionChildren('2901')).toEqual([{ id: '1001', collection: false }]);
  });

  it('says so when the API cannot be reached or answers nonsense', async () => {
    await expect(resolveWorkshop(new SteamWebApi('http://127.0.0.1:1'), '1001')).rejects.toThrow(
      SteamApiError,
    );
    await expect(resolveWorkshop(new SteamWebApi(`${steam.url}/nowhere`), '1001')).rejects.toThrow(
      'Steam Web API GetPublishedFileDetails: HTTP 404',
    );
  });
});

describe('streamed download', () => {
  it('follows a redirect, but never from https down to plain http', () => {
    const from = new URL('https://steamusercontent.example/ugc/1');
    expect(redirectTarget(from, '/ugc/2').href).toBe('https://steamusercontent.example/ugc/2');
    expect(redirectTarget(new URL('http://127.0.0.1:9/a'), 'http://127.0.0.1:9/b').href).toBe(
      'http://127.0.0.1:9/b',
    );
    for (const location of ['http://steamusercontent.example/ugc/2', 'ftp://x/y', 'file:///etc/passwd'])
      expect(() => redirectTarget(from, location), location).toThrow(/^redirect from https to \w+: refused$/);
  });

  it('writes the file, hashes it and reports progress up to 100 %', async () => {
    const file = path.join(dir, 'ok.vpk');
    const progress: DownloadProgress[] = [];
    const result = await download({
      url: steam.fileUrl('1001'),
      expectedSize: campaign.length,
      file,
      onProgress: (p) => progress.push(p),
    });
    expect(result.size).toBe(campaign.length);
    expect(result.head).toEqual(Buffer.from([0x34, 0x12, 0xaa, 0x55]));
    expect(readFileSync(file)).toEqual(campaign);
    expect(progress.at(-1)).toEqual({ received: campaign.length, total: campaign.length });
  });

  it('leaves no file when the connection drops half-way or more arrives than announced', async () => {
    const dropped = path.join(dir, 'dropped.vpk');
    await expect(
      download({ url: steam.fileUrl('1009'), expectedSize: campaign.length, file: dropped }),
    ).rejects.toThrow(/ECONNRESET|aborted/);
    expect(existsSync(dropped)).toBe(false);
    // Served short but whole: the download ends; the size check comes after (fetchWorkshopItem).
    const short = await download({
      url: steam.fileUrl('1005'),
      expectedSize: campaign.length,
      file: path.join(dir, 'short.vpk'),
    });
    expect(short.size).toBe(Math.floor(campaign.length / 2));
    const bigger = path.join(dir, 'bigger.vpk');
    await expect(
      download({ url: steam.fileUrl('1008'), expectedSize: campaign.length - 100, file: bigger }),
    ).rejects.toThrow('more bytes than announced');
    expect(existsSync(bigger)).toBe(false);
    const missing = path.join(dir, 'missing.vpk');
    await expect(
      download({ url: `${steam.url}/files/424242`, expectedSize: 1, file: missing }),
    ).rejects.toMatchObject({
      message: 'HTTP 404',
      partial: false,
    });
    expect(existsSync(missing)).toBe(false);
  });
});

describe('a Workshop item into the store', () => {
  const store = new AddonStore(path.join(dir, 'data'));
  const fetchItem = async (id: string) => {
    const [item] = await new SteamWebApi(steam.url).publishedFileDetails([id]).then((m) => [...m.values()]);
    const recorded: StoredVpk[] = [];
    const stored = await fetchWorkshopItem(store, item as NonNullable<typeof item>, {
      record: async (s) => void recorded.push(s),
    });
    expect(recorded).toEqual([stored]);
    return stored;
  };
  const tempFiles = () => readdirSync(path.join(dir, 'data', 'addons', '.tmp'));

  it('stores the file once under its SHA-256, read-only, with its maps', async () => {
    const stored = await fetchItem('1001');
    const key = createHash('sha256').update(campaign).digest('hex');
    expect(stored).toEqual({ key, size: campaign.length, maps: ['c20m1_custom', 'c20m2_custom'] });
    expect(readFileSync(store.pathOf(key, 'vpk'))).toEqual(campaign);
    expect(await fetchItem('1001')).toEqual(stored);
    expect(readdirSync(store.root).filter((name) => name.endsWith('.vpk'))).toEqual([`${key}.vpk`]);
    expect(tempFiles()).toEqual([]);
  });

  it('fails a truncated, an oversized, a short and a non-VPK download with the contract sentence, storing nothing', async () => {
    const before = readdirSync(store.root).sort();
    for (const id of ['1005', '1006', '1007', '1008'])
      await expect(fetchItem(id), id).rejects.toThrow(`item ${id}: download is not a valid VPK`);
    expect(readdirSync(store.root).sort()).toEqual(before);
    expect(tempFiles()).toEqual([]);
  });
});
