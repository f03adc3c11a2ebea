import { describe, expect, it } from 'vitest';
import { type AutoUpdateOptions, AutoUpdater } from '../../src/install/auto-update.js';
import { type Install, InstallGate, NotSupervising } from '../../src/install/control.js';
import type { Installer } from '../../src/install/installer.js';
import { JobAlreadyRunning } from '../../src/install/store.js';
import { waitFor } from '../helpers/supervisor.js';

const install = (over: Partial<Install> = {}): Install => ({
  state: 'installed',
  path: '/srv/l4d2',
  buildid: '1',
  remote_buildid: '2',
  update_available: true,
  checked_at: null,
  job: null,
  ...over,
});

/** An Installer that answers checks with `found` and counts what it is asked. */
function fakeInstaller(found: Install) {
  const calls = { checks: 0, starts: 0 };
  const listeners = new Set<(install: Install) => void>();
  const fake = {
    calls,
    snapshot: async () => found,
    check: async () => {
      calls.checks++;
      for (const listener of listeners) listener(found);
      return found;
    },
    start: async () => {
      calls.starts++;
      if (calls.starts > 1) throw new JobAlreadyRunning();
      return { id: calls.starts };
    },
    onChecked: (listener: (install: Install) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return fake;
}

function updater(fake: ReturnType<typeof fakeInstaller>, options: Partial<AutoUpdateOptions>) {
  return new AutoUpdater(fake as unknown as Installer, {
    checkEveryMs: 0,
    policy: 'off',
    serversEmpty: async () => true,
    emptyPollMs: 10,
    firstCheckMs: 0,
    log: { info: () => {}, error: () => {} },
    ...options,
  });
}

describe('AUTO_UPDATE and UPDATE_CHECK_HOURS', () => {
  it('off: a check that finds a build starts nothing', async () => {
    const fake = fakeInstaller(install());
    const auto = updater(fake, { policy: 'off' });
    await auto.start();
    await fake.check();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.calls.starts).toBe(0);
    auto.stop();
  });

  it('now: a check that finds a build starts the update; unknown or up to date does not', async () => {
    const fake = fakeInstaller(install());
    const auto = updater(fake, { policy: 'now' });
    await auto.start();
    await fake.check();
    await waitFor(() => fake.calls.starts === 1);
    auto.stop();
    for (const update_available of [null, false]) {
      const quiet = fakeInstaller(install({ update_available }));
      const other = updater(quiet, { policy: 'now' });
      await other.start();
      await quiet.check();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(quiet.calls.starts).toBe(0);
      other.stop();
    }
  });

  it('when-empty: asks until every server is empty, a failed answer counting as not empty', async () => {
    const fake = fakeInstaller(install());
    const answers = [false, 'no A2S answer', false, true];
    let asked = 0;
    const auto = updater(fake, {
      policy: 'when-empty',
      serversEmpty: async () => {
        const answer = answers[asked++] ?? true;
        if (typeof answer === 'string') throw new Error(answer);
        return answer;
      },
    });
    await auto.start();
    await fake.check();
    await waitFor(() => fake.calls.starts === 1);
    expect(asked).toBe(4);
    auto.stop();
  });

  it('checks every UPDATE_CHECK_HOURS (here a few ms), counted from the last check; 0 never', async () => {
    const fake = fakeInstaller(install({ update_available: false }));
    const auto = updater(fake, { checkEveryMs: 20, firstCheckMs: 0 });
    await auto.start();
    await waitFor(() => fake.calls.checks >= 3);
    auto.stop();
    const never = fakeInstaller(install());
    const off = updater(never, { checkEveryMs: 0 });
    await off.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(never.calls.checks).toBe(0);
    off.stop();
  });
});

describe('InstallGate', () => {
  it('runs jobs and checks only while this panel supervises; reads always', async () => {
    let held = false;
    const fake = fakeInstaller(install());
    const gate = new InstallGate(
      { ...fake, cancel: async () => ({}), subscribe: () => () => {}, jobLines: async () => [] } as never,
      () => held,
    );
    await expect(gate.start()).rejects.toThrow(new NotSupervising());
    await expect(gate.check()).rejects.toThrow(NotSupervising);
    await expect(gate.cancel()).rejects.toThrow(NotSupervising);
    expect(await gate.snapshot()).toMatchObject({ state: 'installed' });
    held = true;
    await gate.start();
    expect(fake.calls.starts).toBe(1);
  });
});
