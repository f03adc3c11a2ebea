/**
 * The audit log (design/operations.md) on both dialects: each action of the HTTP contract leaves
 * exactly one entry naming the right actor, with no secret anywhere in the log; GET /audit filters and
 * pages, admins see all and others their own; entries are append-only; the retention sweep.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RouteOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireAuditDecision } from '../../src/audit/hooks.js';
import { deleteOldAudit, recordAudit } from '../../src/audit/log.js';
import {
  Client,
  createBlueprint,
  createServer,
  logIn,
  password,
  recordingSupervisor,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { FAST, makeSimSteamcmd } from '../helpers/steamcmd.js';
import { waitFor } from '../helpers/supervisor.js';
import { campaign, uploaded } from '../helpers/workshop.js';
import { type Receiver, startReceiver } from '../webhooks/receiver.js';

type Entry = {
  id: number;
  user_id: number | null;
  username: string;
  action: string;
  target_type: string | null;
  target_id: number | null;
  detail: Record<string, unknown>;
};

describe.each(testDialects())('the audit log (%s)', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeEach(async () => {
    const supervisor = recordingSupervisor();
    // The kick route finds a player by name in `status`; everything else answers nothing.
    supervisor.rcon = async (_id, command) =>
      command === 'status' ? '# userid name uniqueid\n#  2 "Zoey" STEAM_1:0:1 00:10 50 0 active\n' : '';
    t = await startTestApp({ dialect, supervisor, env: { ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await t.close();
  });

  const entries = async (): Promise<Entry[]> =>
    (await t.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute()).map((row) => ({
      ...row,
      detail: JSON.parse(row.detail),
    }));

  it('records each action of the HTTP contract once, with its actor, and never a secret', async () => {
    const secrets: string[] = [password];
    let seen = 0;
    /** Runs a request and expects exactly one new entry: the action, by the user. */
    const once = async (
      action: string,
      by: string | null,
      request: () => Promise<{ statusCode: number; body: string }>,
      status?: number,
    ) => {
      const response = await request();
      if (status !== undefined) expect(response.statusCode, `${action}: ${response.body}`).toBe(status);
      else expect(response.statusCode, `${action}: ${response.body}`).toBeLessThan(400);
      const all = await entries();
      const fresh = all.slice(seen);
      seen = all.length;
      expect(
        fresh.map((entry) => entry.action),
        action,
      ).toEqual([action]);
      expect(fresh[0]?.username, action).toBe(by ?? '');
      return { response, entry: fresh[0] as Entry };
    };

    const admin = new Client(t.app, 'json');
    const registered = await once('user.create', 'alice', () =>
      admin.post('/register', { username: 'alice', password }),
    );
    const alice = registered.entry.user_id as number;
    expect(registered.entry).toMatchObject({ target_type: 'user', target_id: alice });
    await once('auth.logout', 'alice', () => admin.post('/logout'));
    const failed = await once(
      'auth.login_failed',
      'alice',
      () => admin.post('/login', { username: 'alice', password: 'wrong one!' }),
      401,
    );
    expect(failed.entry.user_id).toBeNull();
    await once('auth.login', 'alice', () => admin.post('/login', { username: 'alice', password }));

    const created = await once('user.create', 'alice', () =>
      admin.post('/users', { username: 'bob', password }),
    );
    const bob = created.response.statusCode === 201 ? JSON.parse(created.response.body).id : 0;
    await once('user.update', 'alice', () => admin.patch(`/users/${bob}`, { role: 'admin' }));
    const reset = await once('user.password_reset', 'alice', () => admin.post(`/users/${bob}/password`));
    secrets.push(JSON.parse(reset.response.body).password);
    await once('user.update', 'alice', () => admin.patch(`/users/${bob}`, { role: 'user' }));

    const token = await once('token.create', 'alice', () =>
      admin.post('/account/tokens', { name: 'ci', scope: 'write' }),
    );
    const { id: tokenId, token: tokenText } = JSON.parse(token.response.body);
    secrets.push(tokenText);
    const byToken = new Client(t.app, 'json', { authorization: `Bearer ${tokenText}` });

    const blueprint = await once('blueprint.create', 'alice', () =>
      byToken.post('/blueprints', {
        name: 'coop',
        arguments: ['+sv_password hunter2'],
        config: ['sv_password "hunter3"'],
      }),
    );
    secrets.push('hunter2', 'hunter3');
    const blueprintId = JSON.parse(blueprint.response.body).id;
    const changed = await once('blueprint.update', 'alice', () =>
      byToken.patch(`/blueprints/${blueprintId}`, { name: 'versus' }),
    );
    expect(changed.entry.detail).toMatchObject({ changed: { name: { from: 'coop', to: 'versus' } } });

    const server = await once('server.create', 'alice', () =>
      byToken.post('/servers', { name: 'alpha', port: 27015, blueprint_id: blueprintId }),
    );
    const serverId = JSON.parse(server.response.body).id;
    const row = await t.database.db.selectFrom('servers').select('rcon_password').executeTakeFirstOrThrow();
    secrets.push(row.rcon_password);
    await once('server.update', 'alice', () => byToken.patch(`/servers/${serverId}`, { name: 'beta' }));
    for (const action of ['start', 'stop', 'restart'])
      await once(`server.${action}`, 'alice', () => byToken.post(`/servers/${serverId}/${action}`));
    const rcon = await once('server.rcon', 'alice', () =>
      byToken.post(`/servers/${serverId}/rcon`, { command: 'sv_password hunter4' }),
    );
    secrets.push('hunter4');
    expect(rcon.entry.detail).toEqual({ command: 'sv_password ***' });
    const level = await once('server.changelevel', 'alice', () =>
      byToken.post(`/servers/${serverId}/changelevel`, { map: 'c2m1_highway' }),
    );
    expect(level.entry.detail).toEqual({ map: 'c2m1_highway' });
    await once('server.kick', 'alice', () => byToken.post(`/servers/${serverId}/kick`, { name: 'Zoey' }));

    await once('member.add', 'alice', () =>
      byToken.post(`/servers/${serverId}/members`, { username: 'bob', permissions: ['control'] }),
    );
    await once('member.update', 'alice', () =>
      byToken.patch(`/servers/${serverId}/members/${bob}`, { permissions: ['console'] }),
    );
    await once('member.remove', 'alice', () => byToken.delete(`/servers/${serverId}/members/${bob}`));

    const schedule = await once('schedule.create', 'alice', () =>
      byToken.post('/schedules', {
        name: 'nightly',
        cron: '0 5 * * *',
        server_ids: [serverId],
        tasks: [
          { action: 'say', offset_seconds: 0, command: 'restart soon' },
          { action: 'restart', offset_seconds: 60 },
        ],
      }),
    );
    const scheduleId = JSON.parse(schedule.response.body).id;
    const patched = await once('schedule.update', 'alice', () =>
      byToken.patch(`/schedules/${scheduleId}`, { cron: '0 6 * * *' }),
    );
    expect(patched.entry.detail).toMatchObject({ changed: { cron: { from: '0 5 * * *', to: '0 6 * * *' } } });
    await once('schedule.run', 'alice', () => byToken.post(`/schedules/${scheduleId}/run`), 202);
    await once('schedule.delete', 'alice', () => byToken.delete(`/schedules/${scheduleId}`));

    const hookUrl = receiver.url('/api/webhooks/123/very-secret-discord-token');
    secrets.push('very-secret-discord-token');
    const hook = await once('webhook.create', 'alice', () =>
      byToken.post('/webhooks', { url: hookUrl, format: 'discord', events: ['crashed'] }),
    );
    const hookId = JSON.parse(hook.response.body).id;
    await once('webhook.test', 'alice', () => byToken.post(`/webhooks/${hookId}/test`));
    await once('webhook.delete', 'alice', () => byToken.delete(`/webhooks/${hookId}`));

    await once('server.delete', 'alice', () => byToken.delete(`/servers/${serverId}`));
    await once('blueprint.delete', 'alice', () => byToken.delete(`/blueprints/${blueprintId}`));
    await once('token.revoke', 'alice', () => admin.delete(`/account/tokens/${tokenId}`));
    await once('account.password_change', 'alice', () =>
      admin.post('/account/password', { current_password: password, new_password: 'another long password' }),
    );
    secrets.push('another long password');

    const log = JSON.stringify(await entries());
    for (const secret of secrets) expect(log, secret).not.toContain(secret);
    expect(log).not.toContain(hookUrl);
    // A refusal changes nothing and records nothing.
    expect((await admin.post('/blueprints', { name: '' })).statusCode).toBe(400);
    expect((await admin.delete('/servers/999')).statusCode).toBe(404);
    expect((await entries()).length).toBe(seen);
  });

  it('records install jobs and addons: install.install, install.update, install.check, install.cancel, addon.upload, addon.delete', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, bytesTotal: 2_000_000_000, bytesPerSecond: 100_000_000 });
    const srcds = path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game');
    const app = await startTestApp({ dialect, env: { STEAMCMD: sim.program, SRCDS_DIR: srcds } });
    try {
      const admin = await signUp(app.app, 'alice');
      const actions = async () =>
        (await admin.get('/audit'))
          .json()
          .entries.map((entry: Entry) => `${entry.action} ${entry.target_type} ${entry.target_id}`);
      const first = await admin.post('/install');
      expect(first.statusCode).toBe(202);
      expect((await actions())[0]).toBe(`install.install install ${first.json().id}`);
      await waitFor(async () => (await admin.get('/install')).json().job.state !== 'running', {
        timeoutMs: 60_000,
      });
      const update = await admin.post('/install');
      expect(update.json().kind).toBe('update');
      const cancelled = await admin.post('/install/cancel');
      expect(cancelled.statusCode).toBe(202);
      await waitFor(async () => (await admin.get('/install')).json().job.state !== 'running', {
        timeoutMs: 60_000,
      });
      expect((await admin.post('/install/cancel')).statusCode).toBe(409);
      expect((await admin.post('/install/check')).statusCode).toBeLessThan(500);
      const id = await uploaded(admin, campaign, 'maps.vpk');
      expect((await admin.delete(`/addons/${id}`)).statusCode).toBe(204);
      const recorded = await actions();
      expect(recorded).toEqual([
        `addon.delete addon ${id}`,
        `addon.upload addon ${id}`,
        'install.check install null',
        `install.cancel install ${update.json().id}`,
        `install.update install ${update.json().id}`,
        `install.install install ${first.json().id}`,
        'user.create user 1',
      ]);
    } finally {
      await app.close();
    }
  });

  it('GET /audit: admins see every entry, others their own; filters and pages with next_before', async () => {
    const alice = await signUp(t.app, 'alice');
    await alice.post('/users', { username: 'bob', password });
    const bob = await logIn(t.app, 'bob');
    const blueprint = await createBlueprint(bob);
    const serverId = await createServer(bob, { name: 'bobs', port: 27015, blueprint_id: blueprint });
    await bob.post(`/servers/${serverId}/start`);
    await bob.post(`/servers/${serverId}/stop`);
    const other = await createServer(alice, {
      name: 'alices',
      port: 28015,
      blueprint_id: await createBlueprint(alice),
    });
    await alice.post(`/servers/${other}/start`);

    const everything = (await alice.get('/audit')).json();
    expect(everything.next_before).toBeNull();
    expect(everything.entries.map((entry: Entry) => entry.action)).toEqual([
      'server.start',
      'server.create',
      'blueprint.create',
      'server.stop',
      'server.start',
      'server.create',
      'blueprint.create',
      'auth.login',
      'user.create',
      'user.create',
    ]);
    const own = (await bob.get('/audit')).json().entries;
    expect(own.map((entry: Entry) => entry.action)).toEqual([
      'server.stop',
      'server.start',
      'server.create',
      'blueprint.create',
      'auth.login',
    ]);
    expect(own.every((entry: Entry) => entry.username === 'bob')).toBe(true);
    expect(own[0]).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      user_id: own[0].user_id,
      username: 'bob',
      ip: '127.0.0.1',
      action: 'server.stop',
      target_type: 'server',
      target_id: serverId,
      detail: {},
    });
    // Bob's filters never reach beyond his own entries.
    expect((await bob.get('/audit?user=alice')).json().entries).toEqual([]);

    const actions = async (query: string) =>
      (await alice.get(`/audit?${query}`))
        .json()
        .entries.map((entry: Entry) => `${entry.username} ${entry.action}`);
    expect(await actions('user=bob&action=server')).toEqual([
      'bob server.stop',
      'bob server.start',
      'bob server.create',
    ]);
    expect(await actions('action=server.start')).toEqual(['alice server.start', 'bob server.start']);
    expect(await actions('action=blueprint.*')).toEqual(['alice blueprint.create', 'bob blueprint.create']);
    expect(await actions(`server=${serverId}`)).toEqual([
      'bob server.stop',
      'bob server.start',
      'bob server.create',
    ]);

    const first = (await alice.get('/audit?limit=4')).json();
    expect(first.entries).toHaveLength(4);
    const second = (await alice.get(`/audit?limit=4&before=${first.next_before}`)).json();
    const third = (await alice.get(`/audit?limit=4&before=${second.next_before}`)).json();
    expect(third.next_before).toBeNull();
    expect([...first.entries, ...second.entries, ...third.entries]).toEqual(everything.entries);
    expect(
      (await alice.get(`/audit?before=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).json().entries,
    ).toEqual([]);

    const page = await logIn(t.app, 'alice', 'form');
    const html = await page.get('/audit?action=server');
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('server.start');
    expect(html.body).not.toContain('blueprint.create');
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['action=DROP%20TABLE', 'action'],
    ['action=server%25', 'action'],
    ['server=x', 'server'],
    ['before=yesterday', 'before'],
    ['what=1', 'what'],
  ])('refuses GET /audit?%s with 400 naming %s', async (query, field) => {
    const alice = await signUp(t.app, 'alice');
    const response = await alice.get(`/audit?${query}`);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json().fields)).toEqual([field]);
  });

  it('no route edits or deletes an entry, and the database refuses an UPDATE', async () => {
    const alice = await signUp(t.app, 'alice');
    const [entry] = await entries();
    for (const method of ['PATCH', 'DELETE', 'PUT'] as const) {
      const response = await alice.request(method, '/audit', {});
      expect(response.statusCode).toBe(404);
      expect((await alice.request(method, `/audit/${entry?.id}`, {})).statusCode).toBe(404);
    }
    await expect(
      t.database.db.updateTable('audit_log').set({ action: 'nothing.happened' }).execute(),
    ).rejects.toThrow(/append-only/);
    expect(await entries()).toEqual([entry]);
  });

  it('the retention sweep deletes entries older than AUDIT_RETENTION_DAYS; 0 keeps them all', async () => {
    const { db } = t.database;
    const now = new Date('2026-06-01T00:00:00Z');
    for (const daysAgo of [400, 366, 364, 1]) {
      await recordAudit(
        db,
        { user: null, username: 'x', ip: '127.0.0.1', action: `test.${daysAgo}` },
        new Date(now.getTime() - daysAgo * 86_400_000),
      );
    }
    await deleteOldAudit(db, 0, now);
    expect(await entries()).toHaveLength(4);
    await deleteOldAudit(db, 365, now);
    expect((await entries()).map((entry) => entry.action)).toEqual(['test.364', 'test.1']);
  });

  it('entries recorded at once share one insert; each caller resolves with its entry written, in order', async () => {
    // The inserts run (built once and run again, so counted as they run).
    let inserts = 0;
    const insertIds = new WeakSet<object>();
    const db = t.database.db.withPlugin({
      transformQuery: ({ node, queryId }) => {
        if (node.kind === 'InsertQueryNode') insertIds.add(queryId);
        return node;
      },
      transformResult: async ({ result, queryId }) => {
        if (insertIds.has(queryId)) inserts++;
        return result;
      },
    });
    const record = (n: number) =>
      recordAudit(db, { user: null, username: 'x', ip: '127.0.0.1', action: `test.${n}` }).then(async () => {
        // Written by the time its caller goes on (the answer leaves after this).
        const found = await db
          .selectFrom('audit_log')
          .select('id')
          .where('action', '=', `test.${n}`)
          .execute();
        expect(found).toHaveLength(1);
      });
    await Promise.all(Array.from({ length: 250 }, (_, n) => record(n)));
    const actions = (await entries()).map((entry) => entry.action);
    expect(actions).toEqual(Array.from({ length: 250 }, (_, n) => `test.${n}`));
    // 100 entries per insert at most: three statements, not 250.
    expect(inserts).toBe(3);
  });

  it('an entry the database refuses fails alone: the others recorded with it are written', async () => {
    const { db } = t.database;
    const entry = (action: string) => ({ user: null, username: 'x', ip: '127.0.0.1', action });
    const outcomes = await Promise.allSettled([
      recordAudit(db, entry('test.1')),
      recordAudit(db, entry(null as unknown as string)),
      recordAudit(db, entry('test.3')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await entries()).map((found) => found.action)).toEqual(['test.1', 'test.3']);
  });

  it('a panel with a state-changing route that names no audit action does not start', () => {
    const route = (method: string, config?: object) =>
      ({ method, url: '/forgotten', handler: async () => ({}), ...(config && { config }) }) as RouteOptions;
    expect(() => requireAuditDecision(route('POST'))).toThrow('POST /forgotten names no audit action');
    expect(() => requireAuditDecision(route('DELETE'))).toThrow(/names no audit action/);
    expect(() => requireAuditDecision(route('GET'))).not.toThrow();
    expect(() => requireAuditDecision(route('POST', { audit: { action: 'x.y' } }))).not.toThrow();
  });
});
