import { describe, expect, it } from 'vitest';
import {
  type Entry,
  instancePaths,
  type Listings,
  MIRRORED_DIRS,
  PRIVATE_DIRS,
  planInstance,
  type Step,
} from '../../src/instances/layout.js';

const dirs = (...names: string[]): Entry[] => names.map((name) => ({ name, kind: 'dir' }));
const files = (...names: string[]): Entry[] => names.map((name) => ({ name, kind: 'file' }));
const links = (...names: string[]): Entry[] => names.map((name) => ({ name, kind: 'link' }));

/** A small install: the shape that matters, one or two of each kind of entry. */
const install: Listings = new Map([
  [
    '',
    [...files('srcds_run', 'srcds_linux', 'steam_appid.txt'), ...dirs('bin', 'hl2', 'left4dead2', 'update')],
  ],
  [
    'left4dead2',
    [
      ...files('gameinfo.txt', 'pak01_dir.vpk', 'pak01_000.vpk', 'modelsounds.cache'),
      ...dirs('cfg', 'maps', 'materials', 'addons', 'logs', 'downloads', 'ems'),
    ],
  ],
  [
    'left4dead2/cfg',
    [...files('server.cfg', 'valve.rc', 'banned_user.cfg', 'l4d2web.cfg'), ...dirs('l4d2web')],
  ],
  ['left4dead2/maps', [...files('c1m1_hotel.txt'), ...dirs('graphs', 'soundcache')]],
]);

const byOp = (steps: Step[], op: Step['op']) =>
  steps.filter((step) => step.op === op).map((step) => step.path);

describe('planInstance: a first build', () => {
  const steps = planInstance('/srv/l4d2', install, new Map());

  it('makes every mirrored and private directory real, parents first', () => {
    expect(byOp(steps, 'mkdir')).toEqual([...MIRRORED_DIRS, ...PRIVATE_DIRS]);
  });

  it('links every other entry of the mirrored directories to the same path in the install', () => {
    expect(steps.filter((step) => step.op === 'link')).toEqual(
      [
        'srcds_run',
        'srcds_linux',
        'bin',
        'hl2',
        'update',
        'left4dead2/gameinfo.txt',
        'left4dead2/pak01_dir.vpk',
        'left4dead2/pak01_000.vpk',
        'left4dead2/materials',
        'left4dead2/cfg/server.cfg',
        'left4dead2/cfg/valve.rc',
        'left4dead2/maps/c1m1_hotel.txt',
        'left4dead2/maps/soundcache',
      ].map((path) => ({ op: 'link', path, target: `/srv/l4d2/${path}` })),
    );
  });

  it('never links what a server writes, the panel cfg, the old shared cfg folder or caches', () => {
    const linked = byOp(steps, 'link');
    for (const path of [
      'left4dead2/addons',
      'left4dead2/logs',
      'left4dead2/downloads',
      'left4dead2/ems',
      'left4dead2/maps/graphs',
      'left4dead2/cfg/l4d2web.cfg',
      'left4dead2/cfg/l4d2web',
      'left4dead2/modelsounds.cache',
      'left4dead2/cfg/banned_user.cfg',
    ])
      expect(linked).not.toContain(path);
  });

  it('copies the files srcds rewrites in place, so the install keeps its own', () => {
    expect(steps.filter((step) => step.op === 'copy')).toEqual([
      { op: 'copy', path: 'steam_appid.txt', source: '/srv/l4d2/steam_appid.txt' },
      {
        op: 'copy',
        path: 'left4dead2/cfg/banned_user.cfg',
        source: '/srv/l4d2/left4dead2/cfg/banned_user.cfg',
      },
    ]);
    expect(byOp(steps, 'unlink')).toEqual([]);
  });
});

describe('planInstance: a rebuild', () => {
  const instance: Listings = new Map([
    [
      '',
      [
        ...links('srcds_run', 'srcds_linux', 'bin', 'hl2', 'gone.txt'),
        ...dirs('left4dead2'),
        ...files('core'),
      ],
    ],
    [
      'left4dead2',
      [
        ...links('gameinfo.txt', 'pak01_dir.vpk', 'materials', 'logs'),
        ...dirs('cfg', 'addons', 'downloads'),
        ...files('pak01_000.vpk', 'modelsounds.cache'),
      ],
    ],
    [
      'left4dead2/cfg',
      [...links('server.cfg', 'old.cfg'), ...files('l4d2web.cfg', 'banned_user.cfg', 'valve.rc')],
    ],
  ]);
  const steps = planInstance('/srv/l4d2', install, instance);

  it('makes every link anew, and removes links the install no longer backs', () => {
    expect(byOp(steps, 'link')).toEqual(
      expect.arrayContaining(['srcds_run', 'bin', 'left4dead2/materials', 'left4dead2/cfg/server.cfg']),
    );
    expect(byOp(steps, 'unlink')).toEqual(expect.arrayContaining(['gone.txt', 'left4dead2/cfg/old.cfg']));
  });

  it('keeps what the server made itself where the install has an entry of that name', () => {
    const touched = [...byOp(steps, 'link'), ...byOp(steps, 'unlink'), ...byOp(steps, 'copy')];
    for (const path of [
      'core',
      'left4dead2/pak01_000.vpk',
      'left4dead2/modelsounds.cache',
      'left4dead2/cfg/l4d2web.cfg',
      'left4dead2/cfg/banned_user.cfg',
      'left4dead2/cfg/valve.rc',
    ])
      expect(touched).not.toContain(path);
  });

  it('replaces a link where a real directory belongs before making the directory', () => {
    const logs = steps.findIndex((step) => step.op === 'unlink' && step.path === 'left4dead2/logs');
    const made = steps.findIndex((step) => step.op === 'mkdir' && step.path === 'left4dead2/logs');
    expect(logs).toBeGreaterThanOrEqual(0);
    expect(made).toBeGreaterThan(logs);
    expect(byOp(steps, 'link')).not.toContain('left4dead2/logs');
  });

  it('runs removals first, then directories, then links and copies', () => {
    const order = steps.map((step) => ({ unlink: 0, mkdir: 1, link: 2, copy: 2 })[step.op]);
    expect(order).toEqual([...order].sort());
  });
});

describe('instancePaths', () => {
  it('puts the game root, its cfg and addons under $DATA_DIR/servers/<id>/game', () => {
    expect(instancePaths('/var/lib/l4d2web', 12)).toEqual({
      game: '/var/lib/l4d2web/servers/12/game',
      cfgDir: '/var/lib/l4d2web/servers/12/game/left4dead2/cfg',
      launchCfg: '/var/lib/l4d2web/servers/12/game/left4dead2/cfg/l4d2web.cfg',
      addonsDir: '/var/lib/l4d2web/servers/12/game/left4dead2/addons',
      logsDir: '/var/lib/l4d2web/servers/12/game/left4dead2/logs',
    });
  });
});
