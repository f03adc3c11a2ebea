import { setTimeout as sleep } from 'node:timers/promises';
import { TOTP } from 'otpauth';
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

/** The code an authenticator app shows now, made away from a step's last seconds (so the panel judges the same step). */
async function currentCode(secret: string): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 3_000) await sleep(left + 100);
  return new TOTP({ secret }).generate();
}

describe('two-factor sign-in, in a browser, through the real forms', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  }, 60_000);

  it('turns it on from the account page, then signs in with the password and then the code', async () => {
    const { page, pageErrors } = await openPage(harness);

    await register(page, 'alice', password);

    await navigate(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }),
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Account alice');
    expect(await unlabelledFields(page)).toEqual([]);
    await navigate(page, page.getByRole('button', { name: 'Set up two-factor sign-in' }));

    // The QR code is an inline SVG the page shows; the key is beside it, as apps also take it typed.
    const qr = page.getByRole('img', { name: 'QR code of the two-factor key' });
    expect(await qr.locator('svg').count()).toBe(1);
    expect((await qr.boundingBox())?.width).toBeGreaterThan(100);
    const secret = ((await page.locator('[data-totp-secret]').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, 'two-factor-setup');
    await page.getByLabel('Code', { exact: true }).fill(await currentCode(secret));
    await navigate(page, page.getByRole('button', { name: 'Turn on', exact: true }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Two-factor sign-in is on');
    expect(await page.locator('[data-recovery-codes] li').count()).toBe(10);

    await navigate(page, page.getByRole('button', { name: 'Log out alice' }));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    await navigate(page, page.getByRole('button', { name: 'Log in', exact: true }));

    // The second step: a code, and no password anywhere in the form.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Enter your code');
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    expect(await page.content()).not.toContain(password);
    expect(await unlabelledFields(page)).toEqual([]);
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await navigate(page, page.getByRole('button', { name: 'Verify' }));
    expect(await page.getByRole('alert').textContent()).toBe('invalid two-factor code');
    await page.getByLabel('Code', { exact: true }).fill(await currentCode(secret));
    await navigate(page, page.getByRole('button', { name: 'Verify' }));

    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByRole('button', { name: 'Log out alice' }).count()).toBe(1);
    await navigate(
      page,
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }),
    );
    expect(await page.locator('#two-factor').textContent()).toContain('10 of 10 recovery codes left.');
    await screenshot(page, 'two-factor-account');
    expect(pageErrors).toEqual([]);
  });
});
