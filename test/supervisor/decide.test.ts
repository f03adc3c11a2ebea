import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../../src/os/proc.js';
import {
  backoffMs,
  type DecideInput,
  type DecideOptions,
  decide,
  describeExit,
} from '../../src/supervisor/decide.js';
import { startingPollTiming } from '../../src/supervisor/poller.js';
import { bindFailureIn } from '../../src/supervisor/ports.js';

const options: DecideOptions = {
  startTimeoutMs: 60_000,
  hangTimeoutMs: 30_000,
  crashLoopCount: 5,
  crashWindowMs: 300_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 30_000,
};

const now = 1_000_000;
const base: DecideInput = {
  desired: 'running',
  actual: 'stopped',
  lastError: '',
  process: null,
  exit: null,
  crashes: [],
  retry: false,
  restart: false,
  removing: false,
  updating: false,
  updateFailure: null,
  now,
};
const at = (input: Partial<DecideInput>) => decide({ ...base, ...input }, options);
const alive = (since: number, lastAnswerAt: number | null = null, adopted = false) => ({
  since,
  lastAnswerAt,
  adopted,
});

describe('decide', () => {
  it('launches a server the owner wants running, clearing the old error', () => {
    expect(at({ actual: 'stopped', lastError: 'old' })).toEqual({ kind: 'launch', clearError: true });
    expect(at({ actual: 'unknown' })).toEqual({ kind: 'launch', clearError: true });
  });

  it('records stopped for a server that is not wanted and not running; nothing when already so', () => {
    expect(at({ desired: 'stopped', actual: 'unknown' })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'stopped' },
    });
    expect(at({ desired: 'stopped', actual: 'failed', lastError: 'x' })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'stopped', lastError: 'x' },
    });
    expect(at({ desired: 'stopped', actual: 'stopped' })).toEqual({ kind: 'none' });
  });

  it('starting -> running at the first A2S answer; stays starting before it', () => {
    expect(at({ actual: 'starting', process: alive(now - 1000, now - 10) })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'running' },
    });
    expect(at({ actual: 'starting', process: alive(now - 1000) })).toEqual({
      kind: 'none',
      wakeAt: now - 1000 + 60_001,
    });
    expect(at({ actual: 'stopped', process: alive(now - 1000) })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'starting' },
    });
  });

  it('no answer within the start timeout: stop it and fail, saying so', () => {
    expect(at({ actual: 'starting', process: alive(now - 61_000) })).toEqual({
      kind: 'stop',
      gentle: false,
      outcome: {
        actual: 'failed',
        lastError: 'did not answer A2S within 60 s of its start; stopped it',
        incident: 'failed',
      },
      countsAsCrash: false,
    });
  });

  it('a running server silent past the hang timeout is killed and counted as a crash', () => {
    const action = at({ actual: 'running', process: alive(now - 100_000, now - 31_000) });
    expect(action).toEqual({
      kind: 'stop',
      gentle: false,
      outcome: {
        actual: 'crashed',
        lastError: 'crashed: hung: no A2S answer for 31 s, killed it',
        incident: 'hang',
      },
      countsAsCrash: true,
    });
    expect(at({ actual: 'running', process: alive(now - 100_000, now - 5_000) })).toEqual({
      kind: 'none',
      wakeAt: now - 5_000 + 30_001,
    });
  });

  it('an adopted server that was running is given the hang timeout, not the start timeout', () => {
    expect(at({ actual: 'running', process: alive(now - 10_000, null, true) })).toMatchObject({
      kind: 'none',
    });
    expect(at({ actual: 'running', process: alive(now - 31_000, null, true) })).toMatchObject({
      kind: 'stop',
      countsAsCrash: true,
    });
  });

  it('stops gently when not wanted, being deleted, or restarted', () => {
    const stop = {
      kind: 'stop',
      gentle: true,
      outcome: { actual: 'stopped', lastError: '' },
      countsAsCrash: false,
    };
    expect(at({ desired: 'stopped', actual: 'running', process: alive(0, now) })).toEqual(stop);
    expect(at({ removing: true, actual: 'running', process: alive(0, now) })).toEqual(stop);
    expect(at({ restart: true, actual: 'running', process: alive(0, now) })).toEqual(stop);
  });

  it('an unexpected exit is a crash with its exit status; the restart waits a growing backoff', () => {
    const exit = { at: now, description: 'exited with code 139', busyPort: null };
    expect(at({ actual: 'running', exit })).toEqual({
      kind: 'record',
      outcome: { actual: 'crashed', lastError: 'crashed: exited with code 139', incident: 'crashed' },
      countsAsCrash: true,
    });
    expect(at({ actual: 'crashed', crashes: [now - 500] })).toEqual({ kind: 'none', wakeAt: now + 500 });
    expect(at({ actual: 'crashed', crashes: [now - 1000] })).toEqual({ kind: 'launch', clearError: false });
    expect(at({ actual: 'crashed', crashes: [now - 3000, now - 1500] })).toEqual({
      kind: 'none',
      wakeAt: now + 500,
    });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, options))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('too many crashes in the window: failed, "crash loop: ..." with the exit status; start tries again', () => {
    const exit = { at: now, description: 'exited with code 139', busyPort: null };
    const crashes = [now - 200_000, now - 100_000, now - 50_000, now - 10_000];
    expect(at({ actual: 'running', exit, crashes })).toEqual({
      kind: 'record',
      outcome: {
        actual: 'failed',
        lastError: 'crash loop: 5 crashes in 300 s, last exited with code 139',
        incident: 'crash_loop',
      },
      countsAsCrash: true,
    });
    // Crashes older than the window do not count.
    expect(at({ actual: 'running', exit, crashes: [now - 400_000, ...crashes.slice(1)] })).toMatchObject({
      outcome: { actual: 'crashed' },
    });
    expect(at({ actual: 'failed' })).toEqual({ kind: 'none' });
    expect(at({ actual: 'failed', retry: true })).toEqual({ kind: 'launch', clearError: true });
    expect(at({ actual: 'crashed', crashes: [now], retry: true })).toEqual({
      kind: 'launch',
      clearError: true,
    });
  });

  it('an exit that says a port could not be bound fails, naming it', () => {
    const exit = { at: now, description: 'exited with code 1', busyPort: '27015/udp' };
    expect(at({ actual: 'starting', exit })).toEqual({
      kind: 'record',
      outcome: {
        actual: 'failed',
        lastError: 'port 27015/udp is in use by another program',
        incident: 'failed',
      },
      countsAsCrash: false,
    });
  });

  it('recorded as up but gone while no panel watched: a crash with an unknown status', () => {
    expect(at({ actual: 'running' })).toMatchObject({
      kind: 'record',
      outcome: {
        actual: 'crashed',
        lastError: 'crashed: exited while the panel was not running (exit status unknown)',
      },
    });
    expect(at({ actual: 'stopping' })).toMatchObject({ kind: 'record', outcome: { actual: 'stopped' } });
    expect(at({ actual: 'crashed', crashes: [] })).toEqual({ kind: 'launch', clearError: false });
  });

  it('an exit while not wanted is just stopped', () => {
    const exit = { at: now, description: 'exited with code 0', busyPort: null };
    expect(at({ desired: 'stopped', actual: 'stopped', exit })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'stopped' },
    });
  });

  it('while a game update job runs: running servers are stopped with a warning, none starts', () => {
    expect(at({ updating: true, actual: 'running', process: alive(now - 9_000, now - 100) })).toEqual({
      kind: 'stop',
      gentle: true,
      outcome: { actual: 'updating', lastError: '' },
      countsAsCrash: false,
      warn: true,
    });
    expect(at({ updating: true, actual: 'stopped' })).toEqual({
      kind: 'record',
      outcome: { actual: 'updating', lastError: '' },
      countsAsCrash: false,
    });
    expect(at({ updating: true, actual: 'failed', lastError: 'x', retry: true })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'updating', lastError: 'x' },
    });
    expect(at({ updating: true, actual: 'updating' })).toEqual({ kind: 'none' });
    // Not wanted: stopped as ever.
    expect(at({ updating: true, desired: 'stopped', actual: 'updating' })).toMatchObject({
      kind: 'record',
      outcome: { actual: 'stopped' },
    });
  });

  it('after the job: the servers that waited start again, or fail naming why the install is unusable', () => {
    expect(at({ actual: 'updating', lastError: 'old' })).toEqual({ kind: 'launch', clearError: true });
    expect(at({ actual: 'updating', updateFailure: 'download interrupted (network)' })).toEqual({
      kind: 'record',
      outcome: { actual: 'failed', lastError: 'game update failed: download interrupted (network)' },
      countsAsCrash: false,
    });
    // A failure of the last job means nothing to servers that did not wait for it.
    expect(at({ actual: 'stopped', updateFailure: 'x' })).toEqual({ kind: 'launch', clearError: true });
  });

  it('describes exits', () => {
    expect(describeExit({ code: 139, signal: null, known: true })).toBe('exited with code 139');
    expect(describeExit({ code: null, signal: 'SIGKILL', known: true })).toBe('killed by signal SIGKILL');
    expect(describeExit({ code: null, signal: null, known: false })).toMatch(/exit status unknown/);
  });
});

describe('helpers of the supervisor', () => {
  it('finds the port srcds or the simulator could not bind', () => {
    expect(bindFailureIn('Failed to bind to port 27015 (TCP): EADDRINUSE', 27015)).toBe('27015/tcp');
    expect(bindFailureIn('WARNING: UDP_OpenSocket: unable to bind socket on port 27005', 27015)).toBe(
      '27005/udp',
    );
    expect(bindFailureIn('WARNING: UDP_OpenSocket: unable to bind socket', 27015)).toBe('27015/udp');
    expect(bindFailureIn('all fine', 27015)).toBeNull();
  });

  it('parses /proc/<pid>/stat, whatever the command name holds', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    const stat = parseProcStat(`1234 (we ird) name)) ${fields.join(' ')}`);
    expect(stat).toEqual({ state: 'S', pgrp: 5, startTime: 22, cpuTicks: 14 + 15 });
  });
});

describe('A2S checks of a starting server', () => {
  const options = { a2sStartingIntervalMs: 1000, a2sTimeoutMs: 1500 };

  it('ask within 10 ms of the launch, with a short timeout', () => {
    expect(startingPollTiming(0, options)).toEqual({ delayMs: 10, timeoutMs: 50 });
  });

  it('ask less often, and wait longer, as the start goes on, up to the usual pace', () => {
    expect(startingPollTiming(400, options)).toEqual({ delayMs: 100, timeoutMs: 200 });
    expect(startingPollTiming(10_000, options)).toEqual({ delayMs: 1000, timeoutMs: 1500 });
  });
});
