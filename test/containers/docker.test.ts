/**
 * The docker runtime end to end, through HTTP on a real panel process, a dockerd of the tests' own and
 * the simulator image: a server in its container, a crash, an OOM kill, the panel killed and started
 * again (the container adopted, never a second one), and a stop that removes the container.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import { ContainerPanel, statesSince } from '../helpers/container-panel.js';
import { testDialects } from '../helpers/dialects.js';
import { simulatorImage, skipWithoutEngine, startDockerd, type TestEngine } from '../helpers/dockerd.js';
import { freeGamePort, makeSimulatedInstall, stopAllSimulators } from '../helpers/simulator.js';
import { waitFor } from '../helpers/supervisor.js';

describe.skipIf(skipWithoutEngine())('RUNTIME=docker through HTTP', () => {
  let engine: TestEngine;
  let image: string;
  let installDir: string;
  let panel: ContainerPanel | undefined;

  beforeAll(async () => {
    engine = await startDockerd();
    image = await simulatorImage(engine);
    installDir = await makeSimulatedInstall();
  }, 600_000);
  afterEach(async () => {
    await panel?.stop();
    panel = undefined;
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await stopAllSimulators();
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
      const usage = await waitFor(() => events.events.find((event) => event.type === 'usage' && event.usage));
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
      let seen = events.events.length;
      process.kill(info.State.Pid, 'SIGKILL');
      const crashed = await waitFor(
        () => statesSince(events, seen).find((event) => event.actual_state === 'crashed'),
        {
          timeoutMs: 30_000,
        },
      );
      expect(crashed.last_error).toBe('crashed: killed by signal SIGKILL');
      await waitFor(() => statesSince(events, seen).find((event) => event.actual_state === 'running'), {
        timeoutMs: 90_000,
      });
      const [second] = await containersOf(id);
      expect(second?.Id).not.toBe(first?.Id);
      expect(await containersOf(id)).toHaveLength(1);

      // A memory hog beyond the limit → killed by the kernel → the reason, then running again.
      seen = events.events.length;
      expect((await p.call('POST', `/servers/${id}/rcon`, { command: 'sim_allocate 400' })).status).toBe(200);
      const oom = await waitFor(
        () => statesSince(events, seen).find((event) => event.actual_state === 'crashed'),
        {
          timeoutMs: 30_000,
        },
      );
      expect(oom.last_error).toBe('crashed: killed: out of memory (limit 128 MB)');
      await p.waitForState(id, 'running');

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
