import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlueprint, createServer, logIn, signUp, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const evil = '<script>alert(1)</script>';
const escaped = '&lt;script>alert(1)&lt;/script>';

describe.each(testDialects())('user text is escaped everywhere (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  it('shows a server and blueprint named <script> as text on every page', async () => {
    const script = await signUp(t.app, 'alice');
    const blueprintId = await createBlueprint(script, {
      name: evil,
      arguments: [`+hostname ${evil}`],
      config: [`hostname "${evil}"`],
    });
    const serverId = await createServer(script, { name: evil, port: 27015, blueprint_id: blueprintId });
    const browser = await logIn(t.app, 'alice', 'form');
    for (const url of [
      '/',
      '/servers',
      `/servers/${serverId}`,
      '/blueprints',
      `/blueprints/${blueprintId}`,
    ]) {
      const page = await browser.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).toMatch(/&lt;script(>|&gt;)alert\(1\)&lt;\/script(>|&gt;)/);
      expect(page.body, url).not.toContain(evil);
    }
    // The flash notice after a delete carries the name too.
    const deleted = await browser.post(`/servers/${serverId}/delete`, {});
    expect(deleted.statusCode).toBe(302);
    const list = await browser.get('/servers');
    expect(list.body).toContain(`Server ${escaped} deleted.`);
    expect(list.body).not.toContain(evil);
  });

  it('escapes a refused form input in its error page', async () => {
    const browser = await signUp(t.app, 'alice', 'form');
    const response = await browser.post('/blueprints', {
      name: evil,
      arguments: '',
      config: `${evil}\nrcon_password x`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('rcon_password');
    expect(response.body).not.toContain(evil);
  });
});
