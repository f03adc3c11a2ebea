import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containerExit, outOfMemoryReason } from '../../src/containers/exit.js';
import { EngineHandle } from '../../src/containers/handle.js';
import {
  type ContainerSettings,
  containerOptions,
  serviceSpec,
  withExistingSharedDirs,
} from '../../src/containers/spec.js';
import { resourceUsage } from '../../src/containers/usage.js';
import { buildLaunchPlan } from '../../src/launch/plan.js';

const settings: ContainerSettings = {
  image: 'l4d2web/srcds:local',
  panelId: 'p1',
  user: '1000:1000',
  stopGraceSeconds: 10,
};
function planWith(limits: { cpu_limit: number | null; memory_limit_mb: number | null }, node = '') {
  return buildLaunchPlan(
    { id: 7, port: 27015, node },
    { arguments: ['+map', 'c1m1_hotel'], config: [], ...limits },
    { dataDir: '/srv/data', srcdsDir: '/srv/srcds', rconPassword: 'secret' },
  );
}
const plan = planWith({ cpu_limit: null, memory_limit_mb: null });
const MB = 1024 * 1024;

describe('the container of a server', () => {
  it("runs the instance's srcds_run from the instance, as the panel's user, on the host network, never restarted by the engine", () => {
    const options = containerOptions(7, planWith({ cpu_limit: 1.5, memory_limit_mb: 512 }), settings);
    expect(options).toMatchObject({
      name: 'l4d2web-server-7',
      Image: 'l4d2web/srcds:local',
      Entrypoint: ['/srv/data/servers/7/game/srcds_run'],
      Cmd: plan.args,
      WorkingDir: '/srv/data/servers/7/game',
      User: '1000:1000',
      Labels: { 'l4d2web.server_id': '7', 'l4d2web.panel': 'p1' },
      StopTimeout: 10,
      HostConfig: {
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no' },
        Init: true,
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        Memory: 512 * MB,
        MemorySwap: 512 * MB,
        NanoCpus: 1_500_000_000,
        Mounts: [
          { Type: 'bind', Source: '/srv/srcds', Target: '/srv/srcds', ReadOnly: true },
          {
            Type: 'bind',
            Source: '/srv/data/servers/7/game',
            Target: '/srv/data/servers/7/game',
            ReadOnly: false,
          },
        ],
      },
    });
    // The RCON password is in the cfg file, never in the container's definition.
    expect(JSON.stringify(options)).not.toContain('secret');
  });

  it('mounts the shared directories that exist read-only, where instances link into them', () => {
    const shared = withExistingSharedDirs(
      { ...settings, sharedDirs: ['/srv/data/addons', '/srv/none'] },
      (dir) => dir.endsWith('addons'),
    );
    expect(shared.sharedDirs).toEqual(['/srv/data/addons']);
    expect(containerOptions(7, plan, shared).HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/srv/srcds', Target: '/srv/srcds', ReadOnly: true },
      { Type: 'bind', Source: '/srv/data/addons', Target: '/srv/data/addons', ReadOnly: true },
      {
        Type: 'bind',
        Source: '/srv/data/servers/7/game',
        Target: '/srv/data/servers/7/game',
        ReadOnly: false,
      },
    ]);
    expect(serviceSpec(7, plan, shared).TaskTemplate).toMatchObject({
      ContainerSpec: {
        Mounts: expect.arrayContaining([
          expect.objectContaining({ Source: '/srv/data/addons', ReadOnly: true }),
        ]),
      },
    });
  });

  it('has no limits the blueprint does not set', () => {
    const { HostConfig } = containerOptions(7, plan, settings);
    expect([HostConfig?.Memory, HostConfig?.MemorySwap, HostConfig?.NanoCpus]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('becomes a one-replica service the swarm never restarts, placed by the node label', () => {
    const spec = serviceSpec(7, planWith({ cpu_limit: 0.5, memory_limit_mb: 300 }, 'eu-1'), settings);
    expect(spec).toMatchObject({
      Name: 'l4d2web-server-7',
      Labels: { 'l4d2web.server_id': '7', 'l4d2web.panel': 'p1' },
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: {
        ContainerSpec: {
          Command: ['/srv/data/servers/7/game/srcds_run'],
          Args: plan.args,
          Dir: '/srv/data/servers/7/game',
          Init: true,
          ReadOnly: true,
          StopGracePeriod: 10e9,
        },
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 300 * MB } },
        RestartPolicy: { Condition: 'none' },
        Placement: { Constraints: ['node.labels.l4d2web.node==eu-1'] },
        Networks: [{ Target: 'host' }],
      },
    });
    expect(serviceSpec(7, plan, settings).TaskTemplate).toMatchObject({
      Placement: { Constraints: [] },
    });
  });
});

describe("a container's exit", () => {
  it('reads 128 + N as signal N (the init process reports it so), other codes as codes', () => {
    expect(containerExit({ ExitCode: 137 }, null)).toEqual({ code: null, signal: 'SIGKILL', known: true });
    expect(containerExit({ ExitCode: 139 }, null)).toEqual({ code: null, signal: 'SIGSEGV', known: true });
    expect(containerExit({ ExitCode: 0 }, null)).toEqual({ code: 0, signal: null, known: true });
    expect(containerExit({ ExitCode: 1 }, null)).toEqual({ code: 1, signal: null, known: true });
    expect(containerExit({}, null)).toEqual({ code: null, signal: null, known: false });
  });

  it('names an OOM kill and the limit', () => {
    expect(containerExit({ ExitCode: 137, OOMKilled: true }, 128 * MB)).toEqual({
      code: null,
      signal: 'SIGKILL',
      known: true,
      reason: 'killed: out of memory (limit 128 MB)',
    });
    expect(outOfMemoryReason(null)).toBe('killed: out of memory (no limit set)');
  });
});

describe('resource usage from the engine', () => {
  const sample = (cpu: number, system: number, memory: number) => ({
    cpu_stats: { cpu_usage: { total_usage: cpu }, system_cpu_usage: system, online_cpus: 2 },
    memory_stats: { usage: memory, stats: { total_inactive_file: 10 * MB } },
  });

  it('counts memory without the inactive page cache, and CPU only once there are two samples', () => {
    expect(
      resourceUsage(sample(1e9, 100e9, 110 * MB), null, { memoryBytes: 256 * MB, nanoCpus: 15e8 }),
    ).toEqual({
      cpu_cores: null,
      cpu_limit: 1.5,
      memory_mb: 100,
      memory_limit_mb: 256,
    });
  });

  it("gives CPU as cores: the container's share of the host's CPU time, times its CPUs", () => {
    // 0.5 s of CPU while the host's two CPUs ran 2 s in all: a quarter of the host, half a core.
    const none = { memoryBytes: null, nanoCpus: null };
    const usage = resourceUsage(sample(1.5e9, 102e9, 50 * MB), sample(1e9, 100e9, 50 * MB), none);
    expect(usage).toEqual({ cpu_cores: 0.5, cpu_limit: null, memory_mb: 40, memory_limit_mb: null });
  });

  it('answers every viewer asking within a moment from one sample: one engine call, CPU over a real interval', async () => {
    const samples = [sample(1e9, 100e9, 50 * MB), sample(1.5e9, 102e9, 50 * MB)];
    let calls = 0;
    const docker = {
      getContainer: () => ({ stats: async () => samples[Math.min(calls++, samples.length - 1)] }),
    } as unknown as Docker;
    const handle = new EngineHandle(1, 'c1', 100, 0, false, { memoryBytes: null, nanoCpus: null });
    const viewers = await Promise.all([handle.usage(docker), handle.usage(docker), handle.usage(docker)]);
    expect(calls).toBe(1);
    expect(viewers[1]).toBe(viewers[0]);
    expect(viewers[0]?.cpu_cores).toBeNull();
  });
});
