import { chmodSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface InstallShape {
  files: number;
  /** Apparent size: the big files are sparse, so the tree takes almost no disk. */
  bytes: number;
}

const MB = 1024 * 1024;

/**
 * Lays out a tree shaped like a Left 4 Dead 2 dedicated server install (app 222860): ~10 GB in a few
 * dozen VPK archives (sparse files), tens of thousands of loose files in bin/, hl2/, platform/ and the
 * content folders of left4dead2/, and the few files of cfg/, maps/ and the roots. `scale` multiplies
 * the loose files (1: ~29,000 files), for tests that want the shape smaller.
 */
export function layOutInstallShape(dir: string, scale = 1): InstallShape {
  const shape: InstallShape = { files: 0, bytes: 0 };
  const file = (relative: string, size = 64, content?: string) => {
    const full = path.join(dir, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    // Big files are sparse: their apparent size without the disk space or the time to write it.
    writeFileSync(full, content ?? (size > MB ? '' : Buffer.alloc(size)));
    if (content === undefined && size > MB) truncateSync(full, size);
    shape.files += 1;
    shape.bytes += content === undefined ? size : Buffer.byteLength(content);
  };
  /** `count × scale` small files spread over subfolders of `folder`, 100 to a folder. */
  const loose = (folder: string, extension: string, count: number) => {
    const total = Math.max(1, Math.round(count * scale));
    for (let i = 0; i < total; i++) file(`${folder}/d${Math.floor(i / 100)}/f${i}.${extension}`, 2048);
  };
  const vpks = (folder: string, chunks: number, chunkMb: number) => {
    file(`${folder}/pak01_dir.vpk`, 20 * MB);
    for (let i = 0; i < chunks; i++) file(`${folder}/pak01_${String(i).padStart(3, '0')}.vpk`, chunkMb * MB);
  };

  file('srcds_run', 0, '#!/bin/sh\necho "a tree shaped like an install, not a game server"\nexit 1\n');
  chmodSync(path.join(dir, 'srcds_run'), 0o755);
  file('srcds_linux', 9 * MB);
  file('steam_appid.txt', 0, '222860\n');
  file(
    'steamapps/appmanifest_222860.acf',
    0,
    '"AppState"\n{\n\t"appid"\t\t"222860"\n\t"buildid"\t\t"1"\n}\n',
  );
  for (let i = 0; i < 250; i++) file(`bin/lib${i}.so`, 2 * MB);
  vpks('hl2', 20, 60);
  loose('hl2/materials', 'vmt', 3000);
  loose('platform', 'res', 1500);
  vpks('update', 4, 100);
  for (const dlc of ['left4dead2_dlc1', 'left4dead2_dlc2', 'left4dead2_dlc3']) {
    vpks(dlc, 4, 100);
    file(`${dlc}/addoninfo.txt`, 200);
  }

  const game = 'left4dead2';
  for (const name of [
    'gameinfo.txt',
    'steam.inf',
    'host.txt',
    'motd.txt',
    'mapcycle.txt',
    'missioncycle.txt',
  ])
    file(`${game}/${name}`, 300);
  vpks(game, 40, 190);
  for (let i = 0; i < 20; i++) file(`${game}/bin/server${i}.so`, 10 * MB);
  for (let i = 0; i < 40; i++) file(`${game}/cfg/stock${i}.cfg`, 500);
  for (const name of ['server.cfg', 'valve.rc', 'banned_user.cfg', 'banned_ip.cfg'])
    file(`${game}/cfg/${name}`, 100);
  for (let i = 0; i < 10; i++) file(`${game}/maps/extra${i}.txt`, 1000);
  for (let i = 0; i < 5; i++) file(`${game}/sound/readme${i}.txt`, 100);
  mkdirSync(path.join(dir, game, 'addons', 'workshop'), { recursive: true });
  loose(`${game}/materials`, 'vtf', 10000);
  loose(`${game}/models`, 'mdl', 10000);
  loose(`${game}/scripts`, 'nut', 2500);
  loose(`${game}/resource`, 'res', 800);
  loose(`${game}/particles`, 'pcf', 300);
  loose(`${game}/expressions`, 'vcd', 300);
  loose(`${game}/scenes`, 'image', 10);
  return shape;
}
