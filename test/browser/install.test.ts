import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSimSteamcmd, removeSimSteamcmds } from '../helpers/steamcmd.js';
import {
  type Harness,
  markPage,
  openPage,
  register,
  screenshot,
  startHarness,
  wasNotReloaded,
} from './harness.js';

const live = { timeout: 20_000, interval: 50 };

describe('the Install page, in a browser', () => {
  let harness: Harness;

  beforeAll(async () => {
    // About 3 s of download, a line every 50 ms: enough to watch the bar move.
    const sim = await makeSimSteamcmd({
      bytesTotal: 600_000_000,
      bytesPerSecond: 200_000_000,
      tickMs: 50,
      remoteBuildid: '77',
    });
    harness = await startHarness({ env: { STEAMCMD: sim.program }, installed: false });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await removeSimSteamcmds();
  }, 60_000);

  it('installs the game: the bar, the log and the state follow the job without a reload', async () => {
    const { page, pageErrors } = await openPage(harness);
    await register(page, 'admin', 'correct horse battery');
    // The dashboard tells the admin, and leads to the Install page.
    expect(await page.locator('[data-install-banner]').textContent()).toContain(
      'The game is not installed yet.',
    );
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('link', { name: 'Open the Install page' }).click(),
    ]);
    expect(await page.locator('[data-field="install-state"]').textContent()).toBe('missing');

    // A plain form: the job starts, the page comes back, and from then on it is live.
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Install the game' }).click(),
    ]);
    expect(await page.locator('.flash').textContent()).toBe('Installing the game.');
    await markPage(page);
    const bar = page.locator('progress[data-field="job-progress"]');
    const seen = new Set<number>();
    await expect
      .poll(async () => {
        seen.add(Number(await bar.getAttribute('value').catch(() => '0')));
        seen.add(await bar.evaluate((element) => (element as HTMLProgressElement).value));
        return [...seen].some((value) => value > 0 && value < 100);
      }, live)
      .toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Cancel' }).isVisible(), live).toBe(true);
    await screenshot(page, 'install-progress');
    await expect
      .poll(() => page.locator('[data-field="install-state"]').textContent(), live)
      .toBe('installed');
    expect(await page.locator('[data-field="job-state"]').textContent()).toBe('succeeded');
    expect(await page.locator('[data-field="buildid"]').textContent()).toBe('77');
    expect(await bar.evaluate((element) => (element as HTMLProgressElement).value)).toBe(100);
    expect(await page.locator('[data-install-log]').textContent()).toContain(
      "Success! App '222860' fully installed.",
    );
    expect(await page.getByRole('button', { name: 'Update and validate' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(false);
    expect(await wasNotReloaded(page)).toBe(true);
    expect(pageErrors).toEqual([]);
    await screenshot(page, 'install-done');
  });
});
