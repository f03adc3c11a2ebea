/**
 * The swarm runtime on its own, on a single-node swarm of the tests' own engine (loopback only) and
 * the simulator image. Through HTTP and the supervisor: swarm.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import type { EngineHandle } from '../../src/containers/handle.js';
import type { ContainerSettings } from '../../src/containers/spec.js';
import { SwarmRuntime } from '../../src/containers/swarm-runtime.js';
import { Instances } from '../../src/instances/instances.js';
import { buildLaunchPlan } from '../../src/launch/plan.js';
import {
  initSwarm,
  simulatorImage,
  skipWithoutEngine,
  startDockerd,
  type TestEngine,
} from '../helpers/dockerd.js';
import {
  freeGamePort,
  makeSimulatedInstall,
  rcon,
  stopAllSimulators,
  waitForA2s,
} from '../helpers/simulator.js';

type Limits = { cpu_limit: number | null; memory_limit_mb: number | null };

const RCON_PASSWORD = 'swarm-runtime-test';

describe.skipIf(skipWithoutEngine())('the swarm runtime', () => {
  let engine: TestEngine;
  let nodeId: string;
  let settings: ContainerSettings;
  let dataDir: string;
  let installDir: string;
  let instances: Instances;
  const nodes = new Map<number, string>();
  let nextId = 1;

  beforeAll(async () => {
    engine = await startDockerd();
    nodeId = await initSwarm(engine);
    const node = engine.docker.getNode(nodeId);
    const info = (await node.inspect()) as { Version: { Index: number }; Spec: object };
    await node.update({ ...info.Spec, version: info.Version.Index, Labels: { 'l4d2web.node': 'alpha' } });
    settings = {
      image: await simulatorImage(engine),
      panelId: 'test-panel',
      user: `${process.getuid?.()}:${process.getgid?.()}`,
      stopGraceSeconds: 2,
    };
    dataDir = await mkdtemp(path.join(tmpdir(), 'l4d2web-swarm-'));
    installDir = await makeSimulatedInstall();
    instances = new Instances({ dataDir, srcdsDir: installDir });
  }, 600_000);

  afterEach(async () => {
    for (const service of await engine.docker.listServices())
      await engine.docker.getService(service.ID).remove();
  });

  afterAll(async () => {
    await engine?.stop();
    await stopAllSimulators();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  function runtime(): SwarmRuntime {
    return new SwarmRuntime({
      docker: engine.docker,
      dataDir,
      settings,
      pollMs: 200,
      startTimeoutMs: 5_000,
    });
  }

  async function plan(id: number, port: number, limits: Limits = { cpu_limit: null, memory_limit_mb: null }) {
    await instances.build(id);
    return buildLaunchPlan(
      { id, port, node: nodes.get(id) ?? '' },
      { arguments: [], config: ['hostname "In the swarm"'], ...limits },
      { dataDir, srcdsDir: installDir, rconPassword: RCON_PASSWORD },
    );
  }

  async function launch(
    on: SwarmRuntime,
    limits: Limits = { cpu_limit: null, memory_limit_mb: null },
    node = '',
  ): Promise<{ id: number; port: number; handle: EngineHandle }> {
    const id = nextId++;
    nodes.set(id, node);
    const port = await freeGamePort();
    const handle = (await on.launch(id, await plan(id, port, limits))) as EngineHandle;
    await waitForA2s(port, 30_000);
    return { id, port, handle };
  }

  it('runs a server as a one-replica service on the node its label names, reachable at the node address', async () => {
    const swarm = runtime();
    const { id, port, handle } = await launch(swarm, { cpu_limit: 0.5, memory_limit_mb: 256 }, 'alpha');
    expect(handle.host).toBe('127.0.0.1');
    const service = (await engine.docker.getService(`l4d2web-server-${id}`).inspect()) as {
      Spec: { Labels: Record<string, string>; TaskTemplate: { Placement: object; RestartPolicy: object } };
    };
    expect(service.Spec.Labels).toEqual({ 'l4d2web.server_id': String(id), 'l4d2web.panel': 'test-panel' });
    expect(service.Spec.TaskTemplate).toMatchObject({
      Placement: { Constraints: ['node.labels.l4d2web.node==alpha'] },
      RestartPolicy: { Condition: 'none' },
    });
    const container = await engine.docker.getContainer(String(handle.containerId)).inspect();
    expect(container.HostConfig).toMatchObject({
      NetworkMode: 'host',
      Memory: 256 * 1024 * 1024,
      NanoCpus: 5e8,
    });
    expect((await waitForA2s(port)).name).toBe('In the swarm');
    await expect.poll(() => readFile(consoleLogPath(dataDir, id), 'utf8')).toContain('Started map');
    expect(await swarm.nodes()).toEqual([
      expect.objectContaining({
        id: nodeId,
        role: 'manager',
        state: 'ready',
        name: 'alpha',
        server_ids: [id],
      }),
    ]);
    swarm.signal(handle, 'SIGTERM');
    expect(await handle.exited).toEqual({ code: 0, signal: null, known: true });
    expect(await engine.docker.listServices()).toEqual([]);
  });

  it('reports a SIGKILL of its main process and an OOM kill with the limit', async () => {
    const swarm = runtime();
    const killed = await launch(swarm);
    process.kill(killed.handle.pid, 'SIGKILL');
    expect(await killed.handle.exited).toEqual({ code: null, signal: 'SIGKILL', known: true });
    const hog = await launch(swarm, { cpu_limit: null, memory_limit_mb: 128 });
    await rcon(hog.port, RCON_PASSWORD, 'sim_allocate 400');
    expect(await hog.handle.exited).toMatchObject({ reason: 'killed: out of memory (limit 128 MB)' });
    expect(await engine.docker.listServices()).toEqual([]);
  });

  it('is adopted by a new runtime by its labels: the same service and container', async () => {
    const first = runtime();
    const { id, handle } = await launch(first);
    first.close();
    const second = runtime();
    const adopted = (await second.adopt(id)) as EngineHandle;
    expect(adopted).toMatchObject({ adopted: true, containerId: handle.containerId, pid: handle.pid });
    expect(await second.adopt(999)).toBeNull();
    second.signal(adopted, 'SIGTERM');
    expect(await adopted.exited).toMatchObject({ code: 0 });
  });

  it('refuses a server no node can take, naming the label', async () => {
    const id = nextId++;
    nodes.set(id, 'beta');
    await expect(runtime().launch(id, await plan(id, await freeGamePort()))).rejects.toThrow(
      /^no swarm node can run it: none labelled l4d2web\.node=beta is ready/,
    );
    expect(await engine.docker.listServices()).toEqual([]);
  });
});
