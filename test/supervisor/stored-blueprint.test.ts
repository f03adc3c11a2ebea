/**
 * A blueprint an older panel stored before today's rules (design/hardening.md) keeps its row, but a
 * server built from it does not start: `failed`, last_error naming the argument; its page says what
 * to change. Changed, the same server starts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { busyPort } from '../../src/supervisor/ports.js';
import { asInPage, createServer, logIn, timestamp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { freeGamePort } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  waitForState,
} from '../helpers/supervisor.js';

let app: SupervisedApp | undefined;
afterEach(async () => {
  await endSupervisedTest(app);
  app = undefined;
});

const storedArguments = ['+map c1m1_hotel', '-debug', '+sv_cheats 1;rcon_password x'];
const storedConfig = ['hostname "Old"', 'exec other.cfg'];
const problems = [
  'arguments: "-debug" is an option of srcds_run, which the panel runs',
  'arguments: "+sv_cheats 1;rcon_password x" contains ";"',
  'config: line 2 "exec other.cfg": "exec" runs a cfg file, which only the panel does',
];

describe.each(testDialects())('a blueprint stored before the rules (%s)', (dialect) => {
  it('keeps its row; its server fails to start naming the argument; its page marks what to change', async () => {
    app = await startSupervisedApp({ dialect });
    const { db } = app.database;
    const owner = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    // Inserted as an old panel would have stored it, past today's checks.
    const blueprint = await db
      .insertInto('blueprints')
      .values({
        user_id: owner.id,
        name: 'old',
        arguments: JSON.stringify(storedArguments),
        config: JSON.stringify(storedConfig),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const port = await freeGamePort();
    const id = await createServer(app.client, { name: 'old-server', port, blueprint_id: blueprint.id });

    expect((await app.client.post(`/servers/${id}/start`)).statusCode).toBe(202);
    const failed = await waitForState(app, id, 'failed');
    const lastError = `the blueprint needs a change: ${problems[0]} (and 2 more on the blueprint's page)`;
    expect(failed.last_error).toBe(lastError);
    expect((await app.client.get(`/servers/${id}`)).json()).toMatchObject({
      actual_state: 'failed',
      last_error: lastError,
    });
    // Nothing was launched: no process, the port is free, the console log says why.
    expect(app.supervisor.pidOf(id)).toBeNull();
    expect(await busyPort(port)).toBeNull();
    expect(readFileSync(`${app.dataDir}/servers/${id}/console.log`, 'utf8')).toContain(
      `not started: ${lastError}`,
    );

    // The row is kept, and its JSON is the contract's Blueprint.
    const json = (await app.client.get(`/blueprints/${blueprint.id}`)).json();
    expect(json).toStrictEqual({
      id: blueprint.id,
      name: 'old',
      arguments: storedArguments,
      config: storedConfig,
      cpu_limit: null,
      memory_limit_mb: null,
      addons: [],
      sourcemod: { enabled: false, admins: [], plugins: [] },
      created_at: timestamp,
      updated_at: timestamp,
    });
    // Its page names each argument and line to change.
    const browser = await logIn(app.app, 'admin', 'form');
    const page = await browser.get(`/blueprints/${blueprint.id}`);
    const notice = page.body.slice(page.body.indexOf('id="rule-problems"'), page.body.indexOf('</section>'));
    expect(notice).toContain('will not start until you change');
    for (const problem of problems) expect(notice).toContain(`<li>${asInPage(problem)}</li>`);

    // Changed to follow the rules, the same server starts.
    const fixed = await app.client.patch(`/blueprints/${blueprint.id}`, {
      arguments: ['+map c1m1_hotel'],
      config: ['hostname "Old"'],
    });
    expect(fixed.statusCode).toBe(200);
    expect((await browser.get(`/blueprints/${blueprint.id}`)).body).not.toContain('rule-problems');
    expect((await app.client.post(`/servers/${id}/start`)).statusCode).toBe(202);
    expect((await waitForState(app, id, 'running')).last_error).toBe('');
    expect((await serverRow(app, id)).actual_state).toBe('running');
  });
});
