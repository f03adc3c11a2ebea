import { afterEach, describe, expect, it } from 'vitest';
import { logIn, signUp, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('GET /nodes (%s)', (dialect) => {
  let t: TestApp;
  afterEach(() => t.close());

  it('is for admins only: 404 to a user, as a missing page', async () => {
    t = await startTestApp({ dialect, env: { RUNTIME: 'swarm', ALLOW_REGISTRATION: 'true' } });
    await signUp(t.app, 'admin');
    const user = await signUp(t.app, 'user');
    const response = await user.get('/nodes');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'page not found' });
  });

  it('lists none, saying why, when servers do not run on a swarm', async () => {
    t = await startTestApp({ dialect, env: { RUNTIME: 'docker' } });
    const admin = await signUp(t.app, 'admin');
    expect((await admin.get('/nodes')).json()).toEqual({ runtime: 'docker', nodes: [] });
    const page = await (await logIn(t.app, 'admin', 'form')).get('/nodes');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('This panel runs its servers on this host (RUNTIME=docker)');
  });

  it('answers 503 with the reason when the engine cannot be reached', async () => {
    t = await startTestApp({
      dialect,
      env: { RUNTIME: 'swarm', DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    const admin = await signUp(t.app, 'admin');
    const response = await admin.get('/nodes');
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatch(/^cannot reach the Docker engine \(DOCKER_HOST\): .*ENOENT/);
  });
});
