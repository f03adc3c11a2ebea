import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeGamePort } from '../helpers/simulator.js';
import {
  type Harness,
  markPage,
  navigate,
  openPage,
  register,
  screenshot,
  startHarness,
  unlabelledFields,
  wasNotReloaded,
} from './harness.js';

const password = 'correct horse battery';
const live = { timeout: 20_000, interval: 100 };

/** The text of the first element matching selector, trimmed ('' when there is none). */
const textOf = (page: Page, selector: string) => async () =>
  (
    (await page
      .locator(selector)
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => '')) ?? ''
  ).trim();

/** Which of a server's Start, Stop and Restart buttons are visible in scope. */
async function shownActions(scope: Page | Locator, serverName: string): Promise<string[]> {
  const shown: string[] = [];
  for (const action of ['Start', 'Stop', 'Restart']) {
    const button = scope.getByRole('button', { name: `${action} ${serverName}`, exact: true });
    if (await button.isVisible()) shown.push(action);
  }
  return shown;
}

/** What a page shows in its flash notice after a redirect. */
const flashOf = (page: Page) => page.locator('.flash').textContent();

async function expectAccessible(page: Page) {
  expect(await unlabelledFields(page)).toEqual([]);
  expect(await page.locator('header.top').count()).toBe(1);
  expect(await page.locator('main#main').count()).toBe(1);
}

describe('a first-time user, in a browser, on a simulated install', () => {
  let harness: Harness;
  let gamePort: number;

  beforeAll(async () => {
    harness = await startHarness();
    gamePort = await freeGamePort();
    // The simulated server starts with three players (Coach, Ellis, Nick).
    await harness.setFaults({ [String(gamePort)]: { players: 3 } });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  }, 60_000);

  it('registers, builds a server, runs it, uses its console, and stops it', async () => {
    const { page, pageErrors } = await openPage(harness);
    page.on('console', (message) => {
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
        pageErrors.push(message.text());
    });

    // A fresh panel: its first visitor lands on the administrator account form, not on a login.
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/register');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Create the administrator account',
    );
    expect(await page.title()).toBe('Create the administrator account · l4d2web');
    expect(await page.getByRole('button', { name: 'Log in' }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'first-visit');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    await navigate(page, page.getByRole('button', { name: 'Create account', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await flashOf(page)).toBe('Welcome, alice.');
    await expectAccessible(page);

    // A blueprint: a refused argument is shown next to its field, with the user's text kept.
    await navigate(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Blueprints' }),
    );
    await page.getByLabel('Name').fill('Coop');
    await page.getByLabel('Launch arguments').fill('+map c2m1_highway\n-port 27015');
    await page.getByLabel('server.cfg lines').fill('hostname "Browser test"\nsv_maxplayers 8');
    await navigate(page, page.getByRole('button', { name: 'Create blueprint', exact: true }));
    expect(await page.locator('#field-arguments-error').textContent()).toContain(
      '"-port" is set by the panel',
    );
    expect(await page.getByLabel('Launch arguments').inputValue()).toBe('+map c2m1_highway\n-port 27015');
    expect(await page.getByLabel('Name').inputValue()).toBe('Coop');
    expect(await page.getByLabel('Launch arguments').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'blueprint-error');
    await page.getByLabel('Launch arguments').fill('+map c2m1_highway');
    await navigate(page, page.getByRole('button', { name: 'Create blueprint', exact: true }));
    expect(await flashOf(page)).toBe('Blueprint created.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Coop');
    await expectAccessible(page);

    // A server from it.
    await page.goto('/servers');
    await page.getByLabel('Name').fill('First');
    await page.getByLabel('Port').fill(String(gamePort));
    await page.getByLabel('Blueprint').selectOption({ label: 'Coop' });
    await navigate(page, page.getByRole('button', { name: 'Create server', exact: true }));
    expect(await flashOf(page)).toBe('Server created.');
    const serverPath = new URL(page.url()).pathname;
    expect(serverPath).toMatch(/^\/servers\/\d+$/);
    expect(await page.locator('pre.launch-line').textContent()).toContain(
      `srcds_run -game left4dead2 -norestart -strictportbind -port ${gamePort} +clientport ${gamePort - 10}`,
    );
    expect(await page.locator('pre.launch-line').textContent()).not.toContain('rcon_password');
    await expectAccessible(page);

    // Start it, and watch `running`, the map and the buttons for a running server arrive without a reload.
    expect(await shownActions(page, 'First')).toEqual(['Start']);
    await navigate(page, page.getByRole('button', { name: 'Start First', exact: true }));
    expect(await flashOf(page)).toBe('Starting the server.');
    await markPage(page);
    // Wanted running, whether it is still starting or already runs: no Start any more.
    expect(await shownActions(page, 'First')).toEqual(expect.arrayContaining(['Stop']));
    expect(await shownActions(page, 'First')).not.toContain('Start');
    await expect.poll(textOf(page, '.page-head [data-field="state"]'), live).toBe('running');
    await expect.poll(() => shownActions(page, 'First'), live).toEqual(['Stop', 'Restart']);
    await expect.poll(textOf(page, '.status [data-field="map"]'), live).toBe('c2m1_highway');
    await expect.poll(textOf(page, '.status [data-field="players"]'), live).toBe('3/8');
    expect(await textOf(page, '[data-live-status]')()).toBe('live');
    expect(await wasNotReloaded(page)).toBe(true);

    // The console: output as it comes, and `status` answered in place.
    await page.getByLabel('Command (runs through RCON)').fill('status');
    await page.getByLabel('Command (runs through RCON)').press('Enter');
    await expect.poll(textOf(page, '[data-rcon-reply] pre'), live).toContain('hostname: Browser test');
    expect(await textOf(page, '[data-rcon-reply] pre')()).toContain('map     : c2m1_highway');
    await page.getByLabel('Command (runs through RCON)').fill('say hello from the browser');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(textOf(page, 'pre.console'), live).toContain('Console: hello from the browser');
    expect(await wasNotReloaded(page)).toBe(true);
    await screenshot(page, 'server-page');

    // The players, and a kick.
    await page.reload();
    const players = page.locator('#players tbody tr');
    await expect.poll(() => players.count(), live).toBe(3);
    expect((await players.locator('td:first-child').allTextContents()).sort()).toEqual([
      'Coach',
      'Ellis',
      'Nick',
    ]);
    await navigate(page, page.getByRole('button', { name: 'Kick Ellis', exact: true }));
    expect(await flashOf(page)).toBe('Kicked Ellis.');
    expect(await page.locator('#players tbody').textContent()).not.toContain('Ellis');
    await expect.poll(textOf(page, '.status [data-field="players"]'), live).toBe('2/8');

    // A map change: picked from the stock campaigns, and seen to change.
    await page.getByLabel('Campaign map').selectOption('c3m1_plankcountry');
    await navigate(page, page.getByRole('button', { name: 'Change map', exact: true }));
    expect(await flashOf(page)).toBe('Changing the map to c3m1_plankcountry.');
    await markPage(page);
    await expect.poll(textOf(page, '.status [data-field="map"]'), live).toBe('c3m1_plankcountry');
    // A map the server does not have: refused, next to the field, with the text kept.
    await page.getByLabel('Or another map').fill('c99m1_nowhere');
    await navigate(page, page.getByRole('button', { name: 'Change map', exact: true }));
    expect(await page.locator('#map .error').textContent()).toContain(
      'changelevel failed: c99m1_nowhere not found',
    );
    expect(await page.getByLabel('Or another map').inputValue()).toBe('c99m1_nowhere');

    // The dashboard shows it live too.
    await page.goto('/');
    const card = page.locator('.server-card', { hasText: 'First' });
    expect(await card.locator('[data-field="state"]').textContent()).toBe('running');
    expect(await card.locator('[data-field="map"]').textContent()).toBe('c3m1_plankcountry');
    expect(await card.locator('svg.sparkline').getAttribute('aria-label')).toMatch(
      /^Players over the last hour/,
    );
    await screenshot(page, 'dashboard');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // A second server on the same port: the 409 is read inline, with the input kept.
    await page.goto('/servers');
    await page.getByLabel('Name').fill('Second');
    await page.getByLabel('Port').fill(String(gamePort));
    await navigate(page, page.getByRole('button', { name: 'Create server', exact: true }));
    expect(await page.locator('form .error[role="alert"]').textContent()).toBe('port already in use');
    expect(await page.locator('#field-port-error').textContent()).toBe(
      `port ${gamePort} is the game port of server "First"`,
    );
    expect(await page.getByLabel('Port').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'servers-409');
    expect(await page.getByLabel('Name').inputValue()).toBe('Second');

    // Stop it from the dashboard: the button leads to its page, where it is seen to stop.
    await page.goto('/');
    await navigate(page, page.getByRole('button', { name: 'Stop First', exact: true }));
    expect(await flashOf(page)).toBe('Stopping the server.');
    await markPage(page);
    await expect.poll(textOf(page, '.page-head [data-field="state"]'), live).toBe('stopped');
    await expect.poll(() => shownActions(page, 'First'), live).toEqual(['Start']);
    expect(await wasNotReloaded(page)).toBe(true);

    // At phone width: the same pages, one column.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'server-page-phone');
    await page.goto('/');
    await screenshot(page, 'dashboard-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The keyboard: the first Tab reaches the skip link, which is then visible.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect((await page.locator('a.skip').boundingBox())?.x).toBeGreaterThanOrEqual(0);

    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('works without JavaScript: plain forms, inline errors, redirects with a notice', async () => {
    const context = await harness.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1024, height: 800 },
    });
    const page = await context.newPage();
    const port = await freeGamePort();

    await register(page, 'nojs', 'short');
    expect(await page.locator('#field-password-error').textContent()).toBe('must be at least 8 characters');
    expect(await page.getByLabel('Username').inputValue()).toBe('nojs');
    await page.getByLabel('Password').fill(password);
    await navigate(page, page.getByRole('button', { name: 'Create account', exact: true }));
    expect(await flashOf(page)).toBe('Welcome, nojs.');

    await page.goto('/blueprints');
    await page.getByLabel('Name').fill('Plain');
    await page.getByLabel('server.cfg lines').fill('hostname "No script"\nrcon_password hunter2');
    await navigate(page, page.getByRole('button', { name: 'Create blueprint', exact: true }));
    expect(await page.locator('#field-config-error').textContent()).toBe(
      'line 2 "rcon_password hunter2": "rcon_password" is set by the panel and cannot be given',
    );
    expect(await page.getByLabel('server.cfg lines').inputValue()).toBe(
      'hostname "No script"\nrcon_password hunter2',
    );
    await page.getByLabel('server.cfg lines').fill('hostname "No script"');
    await navigate(page, page.getByRole('button', { name: 'Create blueprint', exact: true }));
    expect(await flashOf(page)).toBe('Blueprint created.');

    await page.goto('/servers');
    await page.getByLabel('Name').fill('Scriptless');
    await page.getByLabel('Port').fill('80');
    await navigate(page, page.getByRole('button', { name: 'Create server', exact: true }));
    expect(await page.locator('#field-port-error').textContent()).toBe(
      'must be a whole number from 1034 to 65535',
    );
    expect(await page.getByLabel('Name').inputValue()).toBe('Scriptless');
    await page.getByLabel('Port').fill(String(port));
    await navigate(page, page.getByRole('button', { name: 'Create server', exact: true }));
    expect(await flashOf(page)).toBe('Server created.');

    // Start; without a live stream, a reload shows the new state.
    await navigate(page, page.getByRole('button', { name: 'Start Scriptless', exact: true }));
    expect(await flashOf(page)).toBe('Starting the server.');
    const reloadedState = async () => {
      await page.reload();
      return page.locator('.page-head [data-field="state"]').textContent();
    };
    await expect.poll(reloadedState, { timeout: 20_000, interval: 300 }).toBe('running');
    expect(await shownActions(page, 'Scriptless')).toEqual(['Stop', 'Restart']);

    // The console: the reply comes back in a re-rendered page, in the same place.
    await page.getByLabel('Command (runs through RCON)').fill('status');
    await navigate(page, page.getByRole('button', { name: 'Run', exact: true }));
    expect(await page.locator('[data-rcon-reply]').isVisible()).toBe(true);
    expect(await page.locator('[data-rcon-reply] pre').textContent()).toContain('hostname: No script');
    expect(await page.getByLabel('Command (runs through RCON)').inputValue()).toBe('status');

    await page.getByLabel('Campaign map').selectOption('c5m1_waterfront');
    await navigate(page, page.getByRole('button', { name: 'Change map', exact: true }));
    expect(await flashOf(page)).toBe('Changing the map to c5m1_waterfront.');
    const reloadedMap = async () => {
      await page.reload();
      return page.locator('.status [data-field="map"]').textContent();
    };
    await expect.poll(reloadedMap, { timeout: 20_000, interval: 300 }).toBe('c5m1_waterfront');

    await navigate(page, page.getByRole('button', { name: 'Delete server', exact: true }));
    expect(new URL(page.url()).pathname).toBe('/servers');
    expect(await flashOf(page)).toBe('Server Scriptless deleted.');
  }, 120_000);

  it('renders a dashboard of 100 servers on one event stream, and keeps it live', async () => {
    const context = await harness.newContext({ viewport: { width: 1280, height: 900 } });
    const api = context.request;
    const json = { accept: 'application/json' };
    expect((await api.post('/register', { data: { username: 'fleet', password } })).status()).toBe(201);
    const blueprint = await api.post('/blueprints', { data: { name: 'Fleet', config: ['sv_maxplayers 8'] } });
    const blueprintId = (await blueprint.json()).id as number;
    const livePort = await freeGamePort();
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) {
      const port = i === 42 ? livePort : 20_000 + i * 20;
      const name = `fleet-${String(i).padStart(3, '0')}`;
      const created = await api.post('/servers', { data: { name, port, blueprint_id: blueprintId } });
      expect(created.status(), await created.text()).toBe(201);
      ids.push((await created.json()).id);
    }

    const page = await context.newPage();
    const streams: string[] = [];
    page.on('request', (request) => {
      if (/\/events$/.test(new URL(request.url()).pathname)) streams.push(new URL(request.url()).pathname);
    });
    const started = Date.now();
    await page.goto('/');
    const loadMs = Date.now() - started;
    expect(await page.locator('.server-card').count()).toBe(100);
    await expect.poll(textOf(page, '[data-live-status]'), live).toBe('live');
    expect(streams).toEqual(['/events']);
    expect(loadMs).toBeLessThan(5_000);
    await screenshot(page, 'dashboard-100', false);

    await markPage(page);
    const card = page.locator(`.server-card[data-server-id="${ids[42]}"]`);
    expect(await shownActions(card, 'fleet-042')).toEqual(['Start']);
    expect((await api.post(`/servers/${ids[42]}/start`, { headers: json })).status()).toBe(202);
    await expect.poll(() => card.locator('[data-field="state"]').textContent(), live).toBe('running');
    await expect.poll(() => shownActions(card, 'fleet-042'), live).toEqual(['Stop', 'Restart']);
    await expect.poll(() => card.locator('[data-field="map"]').textContent(), live).toBe('c1m1_hotel');
    await expect.poll(textOf(page, '[data-running-count]'), live).toBe('1');
    expect((await api.post(`/servers/${ids[42]}/stop`, { headers: json })).status()).toBe(202);
    await expect.poll(() => card.locator('[data-field="state"]').textContent(), live).toBe('stopped');
    await expect.poll(() => shownActions(card, 'fleet-042'), live).toEqual(['Start']);
    expect(await card.locator('[data-field="map"]').textContent()).toBe('-');
    expect(await wasNotReloaded(page)).toBe(true);
    expect(streams).toEqual(['/events']);
  }, 120_000);
});
