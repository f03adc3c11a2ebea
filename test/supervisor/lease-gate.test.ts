import { describe, expect, it } from 'vitest';
import type { SupervisorControl } from '../../src/supervisor/control.js';
import { ServerNotRunning } from '../../src/supervisor/errors.js';
import { EventBus } from '../../src/supervisor/events.js';
import { gateKinds, LeaseGate } from '../../src/supervisor/lease-gate.js';

type Method = keyof SupervisorControl;

const unsubscribe = () => {};

/** A supervisor that records each method called and answers with a value of its own. */
function recorder() {
  const called: Method[] = [];
  const answer = <T>(name: Method, value: T): T => {
    called.push(name);
    return value;
  };
  const supervisor: Required<SupervisorControl> = {
    desiredStateChanged: () => answer('desiredStateChanged', undefined),
    restart: async () => answer('restart', undefined),
    removeServer: async () => answer('removeServer', undefined),
    rcon: async () => answer('rcon', 'output of rcon'),
    liveStatus: () => answer('liveStatus', { map: 'c1m1_hotel', players: 1, max_players: 4 }),
    livePlayers: async () => answer('livePlayers', [{ name: 'Zoey', score: 0, seconds: 5 }]),
    playerHistory: () => answer('playerHistory', [{ at: 1, players: 2 }]),
    subscribe: () => answer('subscribe', unsubscribe),
    recentConsole: async () => answer('recentConsole', ['a line']),
    countPlayers: async () => answer('countPlayers', { known: true as const, players: 2, running: true }),
    resourceUsage: async () =>
      answer('resourceUsage', { cpu_cores: 0.5, cpu_limit: 1, memory_mb: 300, memory_limit_mb: 512 }),
  };
  return { supervisor, called };
}

/** One call of every method: the compiler makes a method the interface gains appear here. */
const callEach: { [M in Method]-?: (control: SupervisorControl) => unknown } = {
  desiredStateChanged: (control) => control.desiredStateChanged(1, 'start'),
  restart: (control) => control.restart(1),
  removeServer: (control) => control.removeServer(1),
  rcon: (control) => control.rcon(1, 'status'),
  liveStatus: (control) => control.liveStatus(1),
  livePlayers: (control) => control.livePlayers?.(1),
  playerHistory: (control) => control.playerHistory(1),
  // An unsubscribe function (the gate's own, which also forgets the listener).
  subscribe: (control) => typeof control.subscribe(1, () => {}),
  recentConsole: (control) => control.recentConsole?.(1, 10),
  countPlayers: (control) => control.countPlayers?.(1),
  resourceUsage: (control) => control.resourceUsage?.(1),
};

const methods = Object.keys(callEach) as Method[];

describe('LeaseGate: actions only while this panel holds the supervision lease', () => {
  it('decides for every method it has: an action or a read', () => {
    // supervisorReplaced is the panel's own call, not a SupervisorControl method.
    const own = Object.getOwnPropertyNames(LeaseGate.prototype).filter(
      (name) => name !== 'constructor' && name !== 'supervisorReplaced',
    );
    expect(own.sort()).toEqual(Object.keys(gateKinds).sort());
    expect(methods.sort()).toEqual(Object.keys(gateKinds).sort());
  });

  it.each(methods)(
    '%s: dropped while the lease is not held if an action, passed on if a read',
    async (method) => {
      const { supervisor, called } = recorder();
      const gate = new LeaseGate(
        () => supervisor,
        () => false,
      );
      const direct = await callEach[method](recorder().supervisor);
      const settled = await Promise.resolve(callEach[method](gate)).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if (gateKinds[method] === 'action') {
        expect(called).toEqual([]);
        if (method === 'rcon') expect(settled).toEqual({ error: new ServerNotRunning() });
        else expect(settled).toEqual({ value: undefined });
      } else {
        expect(called).toEqual([method]);
        expect(settled).toEqual({ value: direct });
      }
    },
  );

  it.each(methods)('%s: passed on while the lease is held', async (method) => {
    const { supervisor, called } = recorder();
    const gate = new LeaseGate(
      () => supervisor,
      () => true,
    );
    expect(await callEach[method](gate)).toEqual(await callEach[method](recorder().supervisor));
    expect(called).toEqual([method]);
  });

  it('always asks the current supervisor (a new one replaces a stopped one)', () => {
    const first = recorder();
    const second = recorder();
    let current = first.supervisor;
    const gate = new LeaseGate(
      () => current,
      () => true,
    );
    gate.liveStatus(1);
    current = second.supervisor;
    gate.desiredStateChanged(1);
    expect([first.called, second.called]).toEqual([['liveStatus'], ['desiredStateChanged']]);
  });

  it('moves open listeners to the new supervisor when told it was replaced; unsubscribing leaves both', () => {
    const buses = [new EventBus(), new EventBus()];
    let current = 0;
    const gate = new LeaseGate(
      () => ({
        ...recorder().supervisor,
        subscribe: (id, listener) => buses[current]?.subscribe(id, listener) ?? unsubscribe,
      }),
      () => true,
    );
    const heard: string[] = [];
    const stop = gate.subscribe(1, (event) => heard.push(event.type));
    current = 1;
    gate.supervisorReplaced();
    expect([buses[0]?.hasListeners(1), buses[1]?.hasListeners(1)]).toEqual([false, true]);
    buses[0]?.emit(1, { type: 'live', live: null });
    buses[1]?.emit(1, { type: 'state', actual_state: 'running', desired_state: 'running', last_error: '' });
    expect(heard).toEqual(['state']);
    stop();
    expect([buses[0]?.hasListeners(1), buses[1]?.hasListeners(1)]).toEqual([false, false]);
  });

  it('gives an optional read a supervisor lacks its empty answer', async () => {
    const { livePlayers: _players, recentConsole: _console, ...bare } = recorder().supervisor;
    const gate = new LeaseGate(
      () => bare,
      () => true,
    );
    expect(await gate.livePlayers(1)).toBeNull();
    expect(await gate.recentConsole(1, 10)).toEqual([]);
  });
});
