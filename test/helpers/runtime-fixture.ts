/** A container runtime on its own, launching servers from launch plans, on a test engine's image. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EngineHandle } from '../../src/containers/handle.js';
import type { ContainerSettings } from '../../src/containers/spec.js';
import { Instances } from '../../src/instances/instances.js';
import { buildLaunchPlan, type LaunchBlueprint, type LaunchPlan } from '../../src/launch/plan.js';
import type { Runtime } from '../../src/supervisor/runtime.js';
import { freeGamePort, waitForA2s } from './simulator.js';

export const RCON_PASSWORD = 'runtime-test';

export interface LaunchOptions {
  blueprint?: Partial<LaunchBlueprint>;
  node?: string;
}

export class RuntimeFixture {
  /** Far from the ids of the panels the same file starts (theirs begin at 1). */
  private nextId = 1000;

  private constructor(
    readonly settings: ContainerSettings,
    readonly dataDir: string,
    readonly installDir: string,
    readonly instances: Instances,
  ) {}

  static async create(image: string, installDir: string): Promise<RuntimeFixture> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'l4d2web-runtime-'));
    const settings = {
      image,
      panelId: 'test-panel',
      user: `${process.getuid?.()}:${process.getgid?.()}`,
      stopGraceSeconds: 2,
    };
    return new RuntimeFixture(
      settings,
      dataDir,
      installDir,
      new Instances({ dataDir, srcdsDir: installDir }),
    );
  }

  /** A new server's id and a free port, its instance built. */
  async newServer(): Promise<{ id: number; port: number }> {
    const id = this.nextId++;
    await this.instances.build(id);
    return { id, port: await freeGamePort() };
  }

  plan(server: { id: number; port: number }, options: LaunchOptions = {}): LaunchPlan {
    return buildLaunchPlan(
      { ...server, node: options.node ?? '' },
      { arguments: [], config: [], ...options.blueprint },
      { dataDir: this.dataDir, srcdsDir: this.installDir, rconPassword: RCON_PASSWORD },
    );
  }

  /** Launches a new server on the runtime and waits until it answers A2S. */
  async launch(
    runtime: Runtime,
    options: LaunchOptions = {},
  ): Promise<{ id: number; port: number; handle: EngineHandle }> {
    const server = await this.newServer();
    const handle = (await runtime.launch(server.id, this.plan(server, options))) as EngineHandle;
    await waitForA2s(server.port, 30_000);
    return { ...server, handle };
  }

  async remove(): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
