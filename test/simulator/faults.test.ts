import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freeGamePort,
  makeSimulatedInstall,
  queryA2s,
  RawRcon,
  rcon,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
  waitForA2s,
  writeFaultFile,
} from '../helpers/simulator.js';

afterEach(stopAllSimulators);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectNoAnswers(sim: SimulatorHandle): Promise<void> {
  await expect(queryA2s(sim.port, { timeoutMs: 300 })).rejects.toThrow();
  const client = await RawRcon.connect(sim.port);
  try {
    client.send({ id: 1, type: 3, body: sim.rconPassword });
    await expect(client.read(500)).rejects.toThrow(/timed out/);
  } finally {
    client.close();
  }
}

/** Resident memory of a process, in MB (/proc/<pid>/status). */
async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) / 1024;
}

async function expectSegfault(sim: SimulatorHandle): Promise<void> {
  expect(await sim.exited).toEqual({ code: null, signal: 'SIGSEGV' });
  expect(sim.output()).toContain('Segmentation fault');
}

/** The first reply packet's body: the process may die or hang before it mirrors a terminator. */
async function firstReply(sim: SimulatorHandle, command: string): Promise<string | undefined> {
  const client = await RawRcon.connect(sim.port);
  try {
    expect(await client.auth(sim.rconPassword)).toBe(true);
    client.send({ id: 7, type: 2, body: command });
    return (await client.read())?.body;
  } finally {
    client.close();
  }
}

describe('simulator faults', () => {
  it('starts slowly: ports bound and banner printed at once, answers only after the delay', async () => {
    const started = Date.now();
    const sim = await startSimulator({ env: { SIM_START_DELAY_MS: '2000' }, waitForA2s: false });
    await sim.waitForOutput(/^Network: IP 127\.0\.0\.1, mode MP, dedicated Yes, ports \d+ SV \/ \d+ CL$/m);
    await expectNoAnswers(sim);
    await waitForA2s(sim.port);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(sim.output()).toContain('Connection to Steam servers successful.');
  });

  it('crashes by SIGSEGV after a delay', async () => {
    const sim = await startSimulator({ env: { SIM_CRASH_AFTER_MS: '1000' } });
    await expectSegfault(sim);
  });

  it('hangs after a delay: alive, but no A2S or RCON; SIGTERM still ends it', async () => {
    const sim = await startSimulator({ env: { SIM_HANG_AFTER_MS: '1000' } });
    await sleep(1100);
    await expectNoAnswers(sim);
    expect(sim.child.exitCode).toBeNull();
    sim.child.kill('SIGTERM');
    expect((await sim.exited).code).toBe(0);
  });

  it('hung with hangIgnoresSigterm, only SIGKILL ends it', async () => {
    const installDir = await makeSimulatedInstall();
    await writeFaultFile(installDir, { hangAfterMs: 0, hangIgnoresSigterm: true });
    const sim = await startSimulator({ installDir, waitForA2s: false });
    await sim.waitForOutput(/Network: IP/);
    await expectNoAnswers(sim);
    sim.child.kill('SIGTERM');
    await sleep(300);
    expect(sim.child.exitCode).toBeNull();
    sim.child.kill('SIGKILL');
    expect(await sim.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('crashes on map change only for the port named in the install fault file', async () => {
    const installDir = await makeSimulatedInstall();
    const healthy = await startSimulator({ installDir });
    const victimPort = await freeGamePort();
    await writeFaultFile(installDir, { [victimPort]: { crashOnMapChange: true, players: 2 } });
    const victim = await startSimulator({ installDir, port: victimPort });
    expect((await queryA2s(victim.port)).numplayers).toBe(2);
    const client = await RawRcon.connect(victim.port);
    expect(await client.auth(victim.rconPassword)).toBe(true);
    client.send({ id: 9, type: 2, body: 'changelevel c2m1_highway' });
    await expectSegfault(victim);
    client.close();
    expect(await rcon(healthy.port, healthy.rconPassword, 'changelevel c2m1_highway')).toBe('');
    expect((await queryA2s(healthy.port)).map).toBe('c2m1_highway');
  });

  it('crashes and hangs on demand over RCON', async () => {
    const [crasher, hanger] = await Promise.all([startSimulator(), startSimulator()]);
    expect(await firstReply(crasher, 'sim_crash')).toMatch(/crash/);
    await expectSegfault(crasher);
    expect(await firstReply(hanger, 'sim_hang')).toMatch(/hang/);
    await expectNoAnswers(hanger);
    expect(hanger.child.exitCode).toBeNull();
  });

  it('hogs memory on demand: every page of the allocation resident and held, still answering', async () => {
    const sim = await startSimulator();
    const before = await residentMb(sim.pid);
    expect(await rcon(sim.port, sim.rconPassword, 'sim_allocate 96')).toBe(
      'Simulating a memory hog: allocating 96 MB.\n',
    );
    await sim.waitForOutput(/Simulated memory hog: holding 96 MB/);
    expect(await residentMb(sim.pid)).toBeGreaterThan(before + 90);
    expect((await queryA2s(sim.port)).map).toBe('c1m1_hotel');
    expect(await rcon(sim.port, sim.rconPassword, 'sim_allocate lots')).toBe(
      'Usage: sim_allocate [MEGABYTES]\n',
    );
  });

  it('hogs memory after a delay from the fault settings', async () => {
    const sim = await startSimulator({ env: { SIM_ALLOCATE_MB: '64', SIM_ALLOCATE_AFTER_MS: '200' } });
    await sim.waitForOutput(/Simulated memory hog: holding 64 MB/);
    expect(await residentMb(sim.pid)).toBeGreaterThan(64);
  });
});
