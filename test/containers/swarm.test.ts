/**
 * The swarm runtime, on its own and end to end, through HTTP on a real panel process, on a single-node swarm of a
 * dockerd of the tests' own (loopback only) and the simulator image: placement by the node label, a
 * crash, an OOM kill, the panel killed and started again (the service adopted, never a second one), a
 * stop that removes the service, and GET /nodes.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import type { EngineHandle } from '../../src/containers/handle.js';
import { SwarmRuntime } from '../../src/containers/swarm-runtime.js';
import { ContainerPanel, crashAndBack } from '../helpers/container-panel.js';
import { testDialects } from '../helpers/dialects.js';
import {
  initSwarm,
  simulatorImage,
  skipWithoutEngine,
  startDockerd,
  type TestEngine,
} from '../helpers/dockerd.js';
import { RCON_PASSWORD, RuntimeFixture } from '../helpers/runtime-fixture.js';
import {
  freeGamePort,
  makeSimulatedInstall,
  rcon,
  stopAllSimulators,
  waitForA2s,
} from '../helpers/simulator.js';
import { waitFor } from '../helpers/supervisor.js';

interface Task {
  ID: string;
  NodeID: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string; PID?: number } };
}

describe.skipIf(skipWithoutEngine())('on a single-node swarm', () => {
  let engine: TestEngine;
  let nodeId: string;
  let image: string;
  let installDir: string;

  // One swarm per machine (its gossip port is fixed): the runtime on its own and through HTTP share it.
  beforeAll(async () => {
    engine = await startDockerd();
    nodeId = await initSwarm(engine);
    const node = engine.docker.getNode(nodeId);
    const info = (await node.inspect()) as { Version: { Index: number }; Spec: object };
    await node.update({ ...info.Spec, version: info.Version.Index, Labels: { 'l4d2web.node': 'alpha' } });
    image = await simulatorImage(engine);
    installDir = await makeSimulatedInstall();
  }, 600_000);
  afterAll(async () => {
    await engine?.stop();
    await stopAllSimulators();
  }, 60_000);

  describe('the swarm runtime on its own', () => {
    let fixture: RuntimeFixture;

    beforeAll(async () => {
      fixture = await RuntimeFixture.create(image, installDir);
    });
    afterAll(() => fixture?.remove());
    afterEach(async () => {
      for (const service of await engine.docker.listServices())
        await engine.docker.getService(service.ID).remove();
    });

    const runtime = () =>
      new SwarmRuntime({
        docker: engine.docker,
        dataDir: fixture.dataDir,
        settings: fixture.settings,
        pollMs: 200,
        startTimeoutMs: 5_000,
      });
    const launch = (on: SwarmRuntime, limits = {}, node = '') =>
      fixture.launch(on, { blueprint: { config: ['hostname "In the swarm"'], ...limits }, node });

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
      await expect.poll(() => readFile(consoleLogPath(fixture.dataDir, id), 'utf8')).toContain('Started map');
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
      const server = await fixture.newServer();
      await expect(runtime().launch(server.id, fixture.plan(server, { node: 'beta' }))).rejects.toThrow(
        /^no swarm node can run it: none labelled l4d2web\.node=beta is ready/,
      );
      expect(await engine.docker.listServices()).toEqual([]);
    });
  });

  describe('RUNTIME=swarm through HTTP', () => {
    let panel: ContainerPanel | undefined;

    afterEach(async () => {
      await panel?.stop();
      panel = undefined;
    }, 60_000);

    const servicesOf = (id: number) =>
      engine.docker.listServices({ filters: { label: [`l4d2web.server_id=${id}`] } });
    const runningTask = async (id: number) => {
      const tasks = (await engine.docker.listTasks({
        filters: { service: [`l4d2web-server-${id}`], 'desired-state': ['running'] },
      })) as Task[];
      return tasks.find((task) => task.Status.State === 'running');
    };

    describe.each(testDialects())('(%s)', (dialect) => {
      it('runs a server as a service on the labelled node, restarts it after a SIGKILL and an OOM kill, keeps it across a panel SIGKILL, removes it on stop', async () => {
        panel = await ContainerPanel.start({ runtime: 'swarm', engine, image, installDir, dialect });
        const p = panel;
        const { id: blueprintId } = await p.json<{ id: number }>('POST', '/blueprints', {
          name: 'coop',
          config: ['hostname "Swarmed"'],
          memory_limit_mb: 128,
        });
        const port = await freeGamePort();
        const { id } = await p.json<{ id: number }>('POST', '/servers', {
          name: 'placed',
          port,
          blueprint_id: blueprintId,
          node: 'alpha',
        });
        const events = p.events(id);

        expect((await p.call('POST', `/servers/${id}/start`)).status).toBe(202);
        await p.waitForState(id, 'running');
        const [service, ...others] = await servicesOf(id);
        expect(others).toEqual([]);
        expect(service?.Spec).toMatchObject({
          Name: `l4d2web-server-${id}`,
          Mode: { Replicated: { Replicas: 1 } },
          TaskTemplate: {
            RestartPolicy: { Condition: 'none' },
            Placement: { Constraints: ['node.labels.l4d2web.node==alpha'] },
          },
        });
        const first = await waitFor(() => runningTask(id));
        expect(first.NodeID).toBe(nodeId);

        // GET /nodes: the node, its label and address, and the server on it.
        const nodes = await p.json<{ runtime: string; nodes: Record<string, unknown>[] }>('GET', '/nodes');
        expect(nodes).toEqual({
          runtime: 'swarm',
          nodes: [
            expect.objectContaining({
              id: nodeId,
              role: 'manager',
              leader: true,
              state: 'ready',
              availability: 'active',
              name: 'alpha',
              address: '127.0.0.1',
              labels: { 'l4d2web.node': 'alpha' },
              servers: [{ id, name: 'placed' }],
            }),
          ],
        });
        expect(await p.page('/nodes')).toContain(`<a href="/servers/${id}">placed</a>`);

        // SIGKILL of the task's main process → crashed → running, in a new task.
        const crashed = await crashAndBack(events, async () =>
          process.kill(Number(first.Status.ContainerStatus?.PID), 'SIGKILL'),
        );
        expect(crashed.last_error).toBe('crashed: killed by signal SIGKILL');
        const second = await waitFor(() => runningTask(id));
        expect(second.ID).not.toBe(first.ID);

        // The memory hog: killed by the kernel at the limit.
        const oom = await crashAndBack(events, async () => {
          const hog = await p.call('POST', `/servers/${id}/rcon`, { command: 'sim_allocate 400' });
          expect(hog.status).toBe(200);
        });
        expect(oom.last_error).toBe('crashed: killed: out of memory (limit 128 MB)');

        // Panel SIGKILL and a new panel: the same service and task, adopted.
        const before = await waitFor(() => runningTask(id));
        const [serviceBefore] = await servicesOf(id);
        await p.kill();
        await p.spawn();
        await p.waitForState(id, 'running');
        const [serviceAfter, ...more] = await servicesOf(id);
        expect(more).toEqual([]);
        expect(serviceAfter?.ID).toBe(serviceBefore?.ID);
        expect((await runningTask(id))?.ID).toBe(before.ID);

        // Stop: the service goes.
        expect((await p.call('POST', `/servers/${id}/stop`)).status).toBe(202);
        await p.waitForState(id, 'stopped');
        await waitFor(async () => (await servicesOf(id)).length === 0);
      }, 300_000);
    });

    it('fails a server no node can take, naming the label', async () => {
      panel = await ContainerPanel.start({ runtime: 'swarm', engine, image, installDir, dialect: 'sqlite' });
      const { id: blueprintId } = await panel.json<{ id: number }>('POST', '/blueprints', { name: 'coop' });
      const { id } = await panel.json<{ id: number }>('POST', '/servers', {
        name: 'nowhere',
        port: await freeGamePort(),
        blueprint_id: blueprintId,
        node: 'beta',
      });
      await panel.call('POST', `/servers/${id}/start`);
      const failed = await panel.waitForState(id, 'failed', 150_000);
      expect(failed.last_error).toMatch(
        /^no swarm node can run it: none labelled l4d2web\.node=beta is ready/,
      );
      expect(await servicesOf(id)).toEqual([]);
    }, 200_000);
  });
});
