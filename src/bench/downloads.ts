import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { vpkDirectory } from '../vpk/writer.js';
import { startFakeSteam } from './fake-steam.js';
import { freePort, mainJs, signUpWithBlueprint, waitForHealth } from './http.js';
import { PanelClient } from './panel-client.js';
import { rssMb } from './procs.js';

/**
 * Workshop downloads: the panel fetching a large VPK from a local file server (the fake Steam of the
 * tests), against `curl` fetching the same file from the same server to the same disk, interleaved;
 * and the panel's resident memory while it downloads, which must stay flat (it streams). The file is
 * sparse: a VPK header and directory, then a hole the size of the download (nothing large on disk).
 */

export interface DownloadBenchOptions {
  sizeMb: number;
  runs: number;
}

export interface DownloadFigures {
  bytes: number;
  curlSeconds: number[];
  panelSeconds: number[];
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}

/** A sparse VPK of `bytes` whose one map holds everything after the directory. */
function sparseVpk(file: string, bytes: number): void {
  const head = vpkDirectory([{ path: 'maps/c99m1_bench.bsp', size: 0 }]);
  const directory = vpkDirectory([{ path: 'maps/c99m1_bench.bsp', size: bytes - head.length }]);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, directory, 0, directory.length, 0);
  fs.ftruncateSync(fd, bytes);
  fs.closeSync(fd);
}

function curl(url: string, output: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', '--fail', '--output', output, url], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`)),
    );
  });
}

export async function benchDownloads(options: DownloadBenchOptions): Promise<DownloadFigures> {
  const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-dl-')));
  const bytes = options.sizeMb * 1024 * 1024;
  const source = path.join(dataDir, 'source.vpk');
  sparseVpk(source, bytes);
  // One Workshop item per run: a new item is a new download, even of the same content.
  const ids = Array.from({ length: options.runs }, (_, run) => String(9001 + run));
  const steam = await startFakeSteam({
    items: ids.map((id) => ({ id, title: `bench ${id}`, file: source })),
  });
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
  const panel = spawn(process.execPath, [mainJs, 'serve'], {
    env: {
      ...env,
      PORT: String(httpPort),
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dataDir, 'panel'),
      SRCDS_DIR: path.join(dataDir, 'srcds'),
      STEAM_API_URL: steam.url,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const panelExited = new Promise((resolve) => panel.once('exit', resolve));
  try {
    await waitForHealth(base, panel);
    const pid = panel.pid as number;
    const { auth } = await signUpWithBlueprint(base);
    const client = new PanelClient(base, auth);
    const curlSeconds: number[] = [];
    const panelSeconds: number[] = [];
    const rssBeforeMb = rssMb(pid);
    let rssPeakMb = rssBeforeMb;
    for (const id of ids) {
      const output = path.join(dataDir, 'curl.out');
      curlSeconds.push(await curl(steam.fileUrl(id), output));
      fs.rmSync(output);
      const started = performance.now();
      const { ids: added } = await client.call<{ ids: number[] }>('POST', '/addons', { workshop: id });
      for (;;) {
        rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
        const addon = await client.call<{ state: string; error: string }>('GET', `/addons/${added[0]}`);
        if (addon.state === 'failed') throw new Error(`download failed: ${addon.error}`);
        if (addon.state === 'ready') break;
        await sleep(50);
      }
      panelSeconds.push((performance.now() - started) / 1000);
    }
    return { bytes, curlSeconds, panelSeconds, rssBeforeMb, rssPeakMb, rssAfterMb: rssMb(pid) };
  } finally {
    panel.kill('SIGTERM');
    if ((await Promise.race([panelExited.then(() => true), sleep(10_000).then(() => false)])) === false) {
      panel.kill('SIGKILL');
      await panelExited;
    }
    await steam.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
