import { afterEach, expect, it } from 'vitest';
import { busyPort } from '../../src/supervisor/ports.js';
import {
  endSupervisedTest,
  processesUsing,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  waitFor,
} from '../helpers/supervisor.js';

let app: SupervisedApp | undefined;

afterEach(async () => {
  await endSupervisedTest(app);
  app = undefined;
});

it('20 servers started together all reach running, and all stop', { timeout: 120_000 }, async () => {
  // A loaded two-core machine starts 20 Node processes slowly: give them time, poll A2S less often.
  app = await startSupervisedApp({
    supervisor: {
      startTimeoutMs: 60_000,
      hangTimeoutMs: 20_000,
      a2sIntervalMs: 1_000,
      a2sIdleIntervalMs: 1_000,
    },
  });
  const servers: Array<{ id: number; port: number }> = [];
  for (let i = 0; i < 20; i++) servers.push(await app.newServer(`many-${i}`));
  const starts = await Promise.all(servers.map(({ id }) => app?.client.post(`/servers/${id}/start`)));
  expect(starts.map((r) => r?.statusCode)).toEqual(servers.map(() => 202));
  const states = async () =>
    Promise.all(servers.map(async ({ id }) => (await serverRow(app as SupervisedApp, id)).actual_state));
  await waitFor(async () => (await states()).every((s) => s === 'running'), {
    timeoutMs: 90_000,
    describe: states,
  });
  expect(processesUsing(app.dataDir)).toHaveLength(20);
  await Promise.all(servers.map(({ id }) => app?.client.post(`/servers/${id}/stop`)));
  await waitFor(async () => (await states()).every((s) => s === 'stopped'), {
    timeoutMs: 60_000,
    describe: states,
  });
  expect(processesUsing(app.dataDir)).toEqual([]);
  for (const { port } of servers) expect(await busyPort(port)).toBeNull();
  const rows = await Promise.all(servers.map(({ id }) => serverRow(app as SupervisedApp, id)));
  expect(rows.map((r) => r.last_error)).toEqual(servers.map(() => ''));
});
