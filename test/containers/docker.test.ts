/**
 * The docker runtime on a dockerd of the tests' own and the simulator image: on its own (what it asks
 * of the engine, what it reports back), and end to end through HTTP on a real panel process (a server
 * in its container, a crash, an OOM kill, the panel killed and started again: the container adopted,
 * never a second one; a stop that removes the container).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import { DockerRuntime } from '../../src/containers/docker-runtime.js';
import type { EngineHandle } from '../../src/containers/handle.js';
import { ContainerPanel, crashAndBack } from '../helpers/container-panel.js';
import { testDialects } from '../helpers/dialects.js';
import { simulatorImage, skipWithoutEngine, startDockerd, type TestEngine } from '../helpers/dockerd.js';
import { RCON_PASSWORD, RuntimeFixture } from '../helpers/runtime-fixture.js';
import {
  freeGamePort,
  makeSimulatedInstall,
  rcon,
  stopAllSimulators,
  waitForA2s,
} from '../helpers/simulator.js';
import { waitFor } from '../helpers/supervisor.js';

describe.skipIf(skipWithoutEngine())('on a Docker engine', () => {
  let engine: TestEngine;
  let image: string;
  let installDir: string;

  beforeAll(async () => {
    engine = await startDockerd();
    image = await simulatorImage(engine);
    installDir = await makeSimulatedInstall();
  }, 600_000);
  afterAll(async () => {
    await engine?.stop();
    await stopAllSimulators();
  }, 60_000);

  describe('the docker runtime on its own', () => {
    let fixture: RuntimeFixture;
    const hostname = 'In a container';
    const blueprint = { arguments: ['+map', 'c2m1_highway'], config: [`hostname "${hostname}"`] };

    beforeAll(async () => {
      fixture = await RuntimeFixture.create(image, installDir);
    });
    afterAll(() => fixture?.remove());
    afterEach(async () => {
      for (const c of await engine.docker.listContainers({ all: true }))
        await engine.docker.getContainer(c.Id).remove({ force: true });
    });

    const runtime = (settings = fixture.settings) =>
      new DockerRuntime({ docker: engine.docker, dataDir: fixture.dataDir, settings });
    const launch = (on: DockerRuntime, limits = {}) =>
      fixture.launch(on, { blueprint: { ...blueprint, ...limits } });

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
      expect(mounts).toEqual({ [installDir]: false, [fixture.instances.paths(id).game]: true });
      // The simulator inside answers as the server it was told to be, and wrote in its instance.
      const a2s = await waitForA2s(port);
      expect([a2s.name, a2s.map]).toEqual(['In a container', 'c2m1_highway']);
      expect(await rcon(port, RCON_PASSWORD, 'echo hello')).toBe('hello\n');
      const log = () => readFile(consoleLogPath(fixture.dataDir, id), 'utf8');
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
      const log = await readFile(consoleLogPath(fixture.dataDir, id), 'utf8');
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
      const docker = runtime({ ...fixture.settings, image: 'l4d2web/none:x' });
      const server = await fixture.newServer();
      await expect(docker.launch(server.id, fixture.plan(server))).rejects.toThrow(
        'the image l4d2web/none:x is missing in the Docker engine: build it with "l4d2web image build" (SRCDS_IMAGE)',
      );
    });
  });

  describe('RUNTIME=docker through HTTP', () => {
    let panel: ContainerPanel | undefined;

    afterEach(async () => {
      await panel?.stop();
      panel = undefined;
    }, 60_000);

    /** This server's containers, running or not. */
    const containersOf = (id: number) =>
      engine.docker.listContainers({ all: true, filters: { label: [`l4d2web.server_id=${id}`] } });

    describe.each(testDialects())('(%s)', (dialect) => {
      it('runs a server in its container, restarts it after a SIGKILL and an OOM kill, keeps it across a panel SIGKILL, removes it on stop', async () => {
        panel = await ContainerPanel.start({ runtime: 'docker', engine, image, installDir, dialect });
        const p = panel;
        const { id: blueprintId } = await p.json<{ id: number }>('POST', '/blueprints', {
          name: 'coop',
          arguments: ['+map', 'c2m1_highway'],
          config: ['hostname "Contained"'],
          cpu_limit: 1,
          memory_limit_mb: 128,
        });
        const port = await freeGamePort();
        const { id } = await p.json<{ id: number }>('POST', '/servers', {
          name: 'box',
          port,
          blueprint_id: blueprintId,
        });
        const events = p.events(id);

        // start → running, in one container of the right shape.
        expect((await p.call('POST', `/servers/${id}/start`)).status).toBe(202);
        expect(await p.waitForState(id, 'running')).toMatchObject({
          live: { map: 'c2m1_highway', players: 0 },
          last_error: '',
        });
        const [first, ...others] = await containersOf(id);
        expect(others).toEqual([]);
        expect(first).toMatchObject({ Names: [`/l4d2web-server-${id}`], State: 'running' });
        const info = await engine.docker.getContainer(String(first?.Id)).inspect();
        expect(info.HostConfig).toMatchObject({
          NetworkMode: 'host',
          Memory: 128 * 1024 * 1024,
          NanoCpus: 1e9,
        });
        expect(info.HostConfig.RestartPolicy).toMatchObject({ Name: 'no' });
        expect(info.Mounts.find((mount) => mount.Destination === installDir)).toMatchObject({ RW: false });
        // Its CPU and memory, on the page and in the stream.
        const usage = await waitFor(() =>
          events.events.find((event) => event.type === 'usage' && event.usage),
        );
        expect(usage).toMatchObject({
          usage: { memory_limit_mb: 128, cpu_limit: 1 },
          memory: expect.stringMatching(/ of 128 MB$/),
        });
        expect(await p.page(`/servers/${id}`)).toMatch(/data-field="memory">\d+ of 128 MB</);
        // The console comes from the container's log stream.
        await waitFor(() =>
          readFileSync(consoleLogPath(p.dataDir, id), 'utf8').includes('Started map "c2m1_highway"'),
        );

        // SIGKILL of the container's main process → crashed → running, in a new container.
        const crashed = await crashAndBack(events, async () => process.kill(info.State.Pid, 'SIGKILL'));
        expect(crashed.last_error).toBe('crashed: killed by signal SIGKILL');
        const [second] = await containersOf(id);
        expect(second?.Id).not.toBe(first?.Id);
        expect(await containersOf(id)).toHaveLength(1);

        // A memory hog beyond the limit → killed by the kernel → the reason, then running again.
        const oom = await crashAndBack(events, async () => {
          const hog = await p.call('POST', `/servers/${id}/rcon`, { command: 'sim_allocate 400' });
          expect(hog.status).toBe(200);
        });
        expect(oom.last_error).toBe('crashed: killed: out of memory (limit 128 MB)');

        // The panel dies (SIGKILL); the game server does not. The next panel adopts the same container.
        const [running] = await containersOf(id);
        await p.kill();
        expect((await engine.docker.getContainer(String(running?.Id)).inspect()).State.Running).toBe(true);
        await p.spawn();
        await p.waitForState(id, 'running');
        const afterRestart = await containersOf(id);
        expect(afterRestart.map((c) => [c.Id, c.State])).toEqual([[running?.Id, 'running']]);

        // Stop: RCON quit, the container exits and is removed.
        expect((await p.call('POST', `/servers/${id}/stop`)).status).toBe(202);
        await p.waitForState(id, 'stopped');
        await waitFor(async () => (await containersOf(id)).length === 0);
        expect(readFileSync(consoleLogPath(p.dataDir, id), 'utf8')).toContain('stopping: rcon quit');
      }, 300_000);
    });

    it('refuses to start a server without the image, saying how to build it', async () => {
      panel = await ContainerPanel.start({
        runtime: 'docker',
        engine,
        image: 'l4d2web/missing:x',
        installDir,
        dialect: 'sqlite',
      });
      const { id: blueprintId } = await panel.json<{ id: number }>('POST', '/blueprints', { name: 'coop' });
      const { id } = await panel.json<{ id: number }>('POST', '/servers', {
        name: 'nothing',
        port: await freeGamePort(),
        blueprint_id: blueprintId,
      });
      await panel.call('POST', `/servers/${id}/start`);
      expect((await panel.waitForState(id, 'failed')).last_error).toBe(
        'the image l4d2web/missing:x is missing in the Docker engine: build it with "l4d2web image build" (SRCDS_IMAGE)',
      );
      expect(await containersOf(id)).toEqual([]);
    }, 120_000);
  });
});
