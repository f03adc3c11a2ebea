/**
 * Browser tests: the real panel (startPanel: HTTP, database, supervisor) on a simulated srcds install,
 * driven by Debian's Chromium through playwright-core. Needs `npm run build` (the simulator runs
 * from dist/) and /usr/bin/chromium (`.ci/run` installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/config.js';
import { type Panel, startPanel } from '../../src/panel.js';
import { layOutSimulatedInstall, simulatorMainPath } from '../../src/simulator/install.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts');

export interface Harness {
  panel: Panel;
  url: string;
  browser: Browser;
  srcdsDir: string;
  /** Writes the simulator's fault file: e.g. `{ "27015": { "players": 3 } }`. */
  setFaults(faults: Record<string, unknown>): Promise<void>;
  /** A fresh browser context (its own cookies), remembered for close(). */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  /** Stops every game server the panel started, then closes the browser and the panel. */
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    /** More environment for the panel's configuration (STEAMCMD, ...). */
    env?: Record<string, string>;
    /** Lay the simulated game out before the panel starts (default); false: the game is missing. */
    installed?: boolean;
  } = {},
): Promise<Harness> {
  if (!existsSync(simulatorMainPath()))
    throw new Error('run `npm run build` first: the simulator runs from dist/');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'l4d2web-browser-'));
  const srcdsDir = path.join(dataDir, 'sim-srcds');
  if (options.installed !== false) await layOutSimulatedInstall(srcdsDir);
  const config = loadConfig({
    DATA_DIR: dataDir,
    SRCDS_DIR: srcdsDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ALLOW_REGISTRATION: 'true',
    LOG_LEVEL: 'silent',
    UPDATE_CHECK_HOURS: '0',
    ...options.env,
  });
  const panel = await startPanel(config, {
    a2sIntervalMs: 400,
    a2sStartingIntervalMs: 200,
    resyncMs: 1_000,
    stopGraceMs: 3_000,
    startTimeoutMs: 20_000,
  });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
  } catch (error) {
    await panel.close();
    throw error;
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    panel,
    url: panel.url,
    browser,
    srcdsDir,
    setFaults: (faults) => writeFile(path.join(srcdsDir, 'sim-faults.json'), JSON.stringify(faults)),
    async newContext(options) {
      const context = await browser.newContext({ baseURL: panel.url, ...options });
      contexts.push(context);
      return context;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      // Game servers outlive the panel by design: stop ours before it goes.
      const rows = await panel.database.db.selectFrom('servers').select('id').execute();
      await Promise.all(rows.map((row) => panel.supervisor.removeServer(row.id).catch(() => undefined)));
      await panel.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sets a marker on the page's window: still there later means the page was not reloaded. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { notReloaded?: boolean }).notReloaded = true;
  });
}

export async function wasNotReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
}

/** Fields without a label (or aria-label): should be none on every page. */
export async function unlabelledFields(page: Page): Promise<string[]> {
  return page.$$eval('input:not([type="hidden"]), select, textarea', (elements) =>
    elements
      .filter((element) => {
        const field = element as HTMLInputElement;
        return (field.labels?.length ?? 0) === 0 && !field.getAttribute('aria-label');
      })
      .map((element) => element.outerHTML),
  );
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Clicks something that loads a new page (a link, a plain form's button) and waits for it. */
export async function navigate(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), target.click()]);
}

/** Fills the registration form and sends it (the first account is the administrator). */
/** A page in a fresh context, 1280 px wide, with the script errors it raises collected. */
export async function openPage(
  harness: Harness,
  height = 900,
): Promise<{ page: Page; pageErrors: string[] }> {
  const context = await harness.newContext({ viewport: { width: 1280, height } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { page, pageErrors };
}

export async function register(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await navigate(page, page.getByRole('button', { name: 'Create account', exact: true }));
}
