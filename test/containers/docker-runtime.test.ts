/**
 * The docker runtime on its own, against an engine of the tests' own and the simulator image: what
 * it asks the engine for, and what it reports back. Through HTTP and the supervisor: docker.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import { DockerRuntime } from '../../src/containers/docker-runtime.js';
import type { EngineHandle } from '../../src/containers/handle.js';
import type { ContainerSettings } from '../../src/containers/spec.js';
import { Instances } from '../../src/instances/instances.js';
import { buildLaunchPlan } from '../../src/launch/plan.js';
import { simulatorImage, skipWithoutEngine, startDockerd, type TestEngine } from '../helpers/dockerd.js';
import {
  freeGamePort,
  makeSimulatedInstall,
  rcon,
  stopAllSimulators,
  waitForA2s,
} from '../helpers/simulator.js';

type Limits = { cpu_limit: number | null; memory_limit_mb: number | null };

const RCON_PASSWORD = 'docker-runtime-test';

describe.skipIf(skipWithoutEngine())('the docker runtime', () => {
  let engine: TestEngine;
  let settings: ContainerSettings;
  let dataDir: string;
  let installDir: string;
  let instances: Instances;
  let nextId = 1;

  beforeAll(async () => {
    engine = await startDockerd();
    settings = {
      image: await simulatorImage(engine),
      panelId: 'test-panel',
      user: `${process.getuid?.()}:${process.getgid?.()}`,
      stopGraceSeconds: 2,
    };
    dataDir = await mkdtemp(path.join(tmpdir(), 'l4d2web-docker-'));
    installDir = await makeSimulatedInstall();
    instances = new Instances({ dataDir, srcdsDir: installDir });
  }, 600_000);

  afterAll(async () => {
    await engine?.stop();
    await stopAllSimulators();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  afterEach(async () => {
    for (const c of await engine.docker.listContainers({ all: true }))
      await engine.docker.getContainer(c.Id).remove({ force: true });
  });

  function runtime(): DockerRuntime {
    return new DockerRuntime({ docker: engine.docker, dataDir, settings });
  }

  async function launch(
    on: DockerRuntime,
    limits: Limits = { cpu_limit: null, memory_limit_mb: null },
  ): Promise<{ id: number; port: number; handle: EngineHandle }> {
    const id = nextId++;
    const port = await freeGamePort();
    await instances.build(id);
    const plan = buildLaunchPlan(
      { id, port },
      { arguments: ['+map', 'c2m1_highway'], config: ['hostname "In a container"'], ...limits },
      { dataDir, srcdsDir: installDir, rconPassword: RCON_PASSWORD },
    );
    const handle = (await on.launch(id, plan)) as EngineHandle;
    await waitForA2s(port, 30_000);
    return { id, port, handle };
  }

  it('runs a server in its own container: host network, install read-only, instance read-write, labelled, limited', async () => {
    const docker = runtime();
    const { id, port, handle } = await launch(docker, { cpu_limit: 1.5, memory_limit_mb: 256 });
    const info = await engine.docker.getContainer(String(handle.containerId)).inspect();
    expect(info.Name).toBe(`/l4d2web-server-${id}`);
    expect(info.Config.Labels).toMatchObject({
      'l4d2web.server_id': String(id),
      'l4d2web.panel': 'test-panel',
    });
    expect(info.HostConfig).toMatchObject({
      NetworkMode: 'host',
      RestartPolicy: { Name: 'no' },
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 1_500_000_000,
      ReadonlyRootfs: true,
    });
    const mounts = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m.RW]));
    expect(mounts).toEqual({ [installDir]: false, [instances.paths(id).game]: true });
    // The simulator inside answers as the server it was told to be, and wrote in its instance.
    const a2s = await waitForA2s(port);
    expect([a2s.name, a2s.map]).toEqual(['In a container', 'c2m1_highway']);
    expect(await rcon(port, RCON_PASSWORD, 'echo hello')).toBe('hello\n');
    const log = () => readFile(consoleLogPath(dataDir, id), 'utf8');
    await expect.poll(log).toContain('Started map "c2m1_highway"');
    expect(await log()).toMatch(
      new RegExp(`launching in container l4d2web-server-${id} \\(l4d2web/srcds:test\\)`),
    );
    // Its init process is a process on this host: the pid the handle reports.
    expect(await readFile(`/proc/${handle.pid}/status`, 'utf8')).toMatch(/^Name:\s+docker-init$/m);
    docker.signal(handle, 'SIGTERM');
    expect(await handle.exited).toEqual({ code: 0, signal: null, known: true });
  });

  it('reports a SIGKILL of its main process as the signal, and removes the container', async () => {
    const docker = runtime();
    const { handle } = await launch(docker);
    process.kill(handle.pid, 'SIGKILL');
    expect(await handle.exited).toEqual({ code: null, signal: 'SIGKILL', known: true });
    await expect(engine.docker.getContainer(String(handle.containerId)).inspect()).rejects.toThrow(
      /no such container/i,
    );
  });

  it('reports an OOM kill with the limit', async () => {
    const docker = runtime();
    const { port, handle } = await launch(docker, { cpu_limit: null, memory_limit_mb: 128 });
    expect(await rcon(port, RCON_PASSWORD, 'sim_allocate 400')).toContain('allocating 400 MB');
    expect(await handle.exited).toMatchObject({
      reason: 'killed: out of memory (limit 128 MB)',
      known: true,
    });
  });

  it('is adopted by a new runtime by its labels, its console copied on without repeats', async () => {
    const first = runtime();
    const { id, port, handle } = await launch(first);
    first.close();
    await rcon(port, RCON_PASSWORD, 'say while nobody watched');
    const second = runtime();
    expect(await runtime().adopt(999)).toBeNull();
    const adopted = (await second.adopt(id)) as EngineHandle;
    expect(adopted).toMatchObject({ containerId: handle.containerId, adopted: true, pid: handle.pid });
    await rcon(port, RCON_PASSWORD, 'say after adoption');
    second.signal(adopted, 'SIGTERM');
    expect(await adopted.exited).toMatchObject({ code: 0, known: true });
    const log = await readFile(consoleLogPath(dataDir, id), 'utf8');
    expect(log.match(/Started map/g)).toHaveLength(1);
    expect(log).toContain('while nobody watched');
    expect(log).toContain('after adoption');
    expect(await engine.docker.listContainers({ all: true })).toEqual([]);
  });

  it('reads the exit of a container that ended while no panel watched', async () => {
    const first = runtime();
    const { id, handle } = await launch(first);
    first.close();
    process.kill(handle.pid, 'SIGKILL');
    await engine.docker.getContainer(String(handle.containerId)).wait();
    const adopted = (await runtime().adopt(id)) as EngineHandle;
    expect(await adopted.exited).toEqual({ code: null, signal: 'SIGKILL', known: true });
    expect(await engine.docker.listContainers({ all: true })).toEqual([]);
  });

  it('refuses to launch without the image, saying how to make it', async () => {
    const docker = new DockerRuntime({
      docker: engine.docker,
      dataDir,
      settings: { ...settings, image: 'l4d2web/none:x' },
    });
    const id = nextId++;
    await instances.build(id);
    const plan = buildLaunchPlan(
      { id, port: 27015 },
      { arguments: [], config: [] },
      { dataDir, srcdsDir: installDir, rconPassword: 'x' },
    );
    await expect(docker.launch(id, plan)).rejects.toThrow(
      'the image l4d2web/none:x is missing in the Docker engine: build it with "l4d2web image build" (SRCDS_IMAGE)',
    );
  });
});
