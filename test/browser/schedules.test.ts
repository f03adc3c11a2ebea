/**
 * Schedules in a browser on a real panel: the form shows the next runs as the cron is typed, saves
 * the schedule, and "Run now" is carried out by the panel's runner (the server starts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  navigate,
  openPage,
  register,
  screenshot,
  startHarness,
  unlabelledFields,
} from './harness.js';

const password = 'correct horse battery';

describe('schedules, in a browser, through the real forms', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  }, 60_000);

  it('previews the next runs as the cron is typed, saves the schedule, and runs it now', async () => {
    const { page, pageErrors } = await openPage(harness, 1000);

    await register(page, 'alice', password);
    // A blueprint and a server, through the JSON API with the session's cookie.
    const json = { headers: { accept: 'application/json', origin: harness.url } };
    const blueprint = await page.request.post('/blueprints', {
      ...json,
      data: { name: 'coop', arguments: [], config: [] },
    });
    expect(blueprint.status()).toBe(201);
    const server = await page.request.post('/servers', {
      ...json,
      data: { name: 'alpha', port: 27315, blueprint_id: (await blueprint.json()).id },
    });
    expect(server.status()).toBe(201);

    await navigate(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }),
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Schedules');
    expect(await unlabelledFields(page)).toEqual([]);
    await page.getByLabel('Name').fill('warm-up');
    await page.getByLabel('Cron').fill('*/15 * * * * *');
    const preview = page.locator('[data-next-runs]');
    await expect.poll(() => preview.textContent(), { timeout: 5_000 }).toMatch(/^Next runs \(UTC\): /);
    const times = ((await preview.textContent()) ?? '').replace('Next runs (UTC): ', '').split(', ');
    expect(times).toHaveLength(3);
    expect(times.map((time) => Number(time.slice(-2)) % 15)).toEqual([0, 0, 0]);
    await page.getByLabel('Cron').fill('*/15 * *');
    await expect.poll(() => preview.textContent(), { timeout: 5_000 }).toMatch(/cron: must have 5 fields/);
    await page.getByLabel('Cron').fill('0 5 * * *');

    await page.getByLabel('alpha').check();
    await page.getByLabel('Task 1 action').selectOption('start');
    await page.getByLabel('When players are on').selectOption('force');
    await navigate(page, page.getByRole('button', { name: 'Create schedule' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Schedule warm-up');
    await screenshot(page, 'schedule');

    await navigate(page, page.getByRole('button', { name: 'Run warm-up now' }));
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('table.runs').textContent();
        },
        { timeout: 20_000 },
      )
      .toMatch(/forced|done/);
    expect(await page.locator('table.runs').textContent()).toContain('started');
    expect(pageErrors).toEqual([]);
  });
});
