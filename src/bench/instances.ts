import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Instances } from '../instances/instances.js';
import { type InstallShape, layOutInstallShape } from './install-shape.js';

export interface InstanceFigures {
  install: InstallShape;
  /** Entries one instance holds (links and its own directories). */
  instanceEntries: number;
  firstBuildMs: number[];
  rebuildMs: number[];
  rebuildAllMs: number;
  instances: number;
}

function countEntries(dir: string): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    count += 1;
    if (entry.isDirectory()) count += countEntries(path.join(dir, entry.name));
  }
  return count;
}

/**
 * Builds instances over a tree shaped like a real L4D2 install (src/bench/install-shape.ts): a first
 * build per server, rebuilds (what every launch does), and rebuildAll() of all of them.
 */
export async function benchInstances(options: { servers: number }): Promise<InstanceFigures> {
  const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'l4d2web-bench-inst-')));
  try {
    const srcdsDir = path.join(dataDir, 'srcds');
    const install = layOutInstallShape(srcdsDir);
    const instances = new Instances({ dataDir, srcdsDir });
    const time = async (run: () => Promise<unknown>) => {
      const t0 = performance.now();
      await run();
      return performance.now() - t0;
    };
    const firstBuildMs: number[] = [];
    const rebuildMs: number[] = [];
    for (let id = 1; id <= options.servers; id++) firstBuildMs.push(await time(() => instances.build(id)));
    for (let id = 1; id <= options.servers; id++) rebuildMs.push(await time(() => instances.build(id)));
    const rebuildAllMs = await time(() => instances.rebuildAll());
    return {
      install,
      instanceEntries: countEntries(instances.paths(1).game),
      firstBuildMs,
      rebuildMs,
      rebuildAllMs,
      instances: options.servers,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
