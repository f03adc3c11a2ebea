import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Runtime } from '../supervisor/runtime.js';
import { DockerRuntime } from './docker-runtime.js';
import { connectEngine } from './engine.js';
import type { ContainerSettings } from './spec.js';
import { SwarmRuntime } from './swarm-runtime.js';

/**
 * The runtime RUNTIME names (design/runtimes.md), for a new supervisor; undefined for `process`, the
 * supervisor's own default. `panelId` labels this database's containers and services (panel-id.ts).
 */
export function containerRuntime(config: Config, panelId: string, stopGraceMs: number): Runtime | undefined {
  if (config.runtime === 'process') return undefined;
  const docker = connectEngine(config.dockerHost);
  const settings: ContainerSettings = {
    image: config.srcdsImage,
    panelId,
    // The panel's own user: what the server writes in its instance stays the panel's.
    user: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    stopGraceSeconds: Math.max(1, Math.ceil(stopGraceMs / 1000)),
    // The addons' store: instances link their VPKs and plugins there.
    sharedDirs: [path.join(config.dataDir, 'addons')],
  };
  const options = { docker, dataDir: config.dataDir, settings };
  return config.runtime === 'docker' ? new DockerRuntime(options) : new SwarmRuntime(options);
}
