import { describe, expect, it } from 'vitest';
import { KeyedReconciler, type ReconcileResult } from '../../src/supervisor/reconciler.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A reconciler whose steps the test scripts: each records (key, messages) and answers `next(key)`. */
function scripted(
  next: (key: number, run: number) => ReconcileResult | Promise<ReconcileResult>,
  paused = false,
) {
  const clock = new FakeClock();
  const runs: Array<{ key: number; messages: string[]; at: number }> = [];
  const errors: string[] = [];
  const reconciler = new KeyedReconciler<string>(
    async (key, messages) => {
      runs.push({ key, messages, at: clock.now() });
      return next(key, runs.length);
    },
    {
      clock,
      paused,
      retryAfter: (failures) => 100 * 2 ** (failures - 1),
      onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    },
  );
  return { clock, runs, errors, reconciler };
}

describe('KeyedReconciler', () => {
  it('never runs two steps of one key at once, and coalesces posts that arrive meanwhile', async () => {
    let running = 0;
    let most = 0;
    const { reconciler, runs } = scripted(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return {};
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => reconciler.post(1, `m${i}`)));
    expect(most).toBe(1);
    // The first post starts a step; the nine that came during it share the next one.
    expect(runs.map((run) => run.messages)).toEqual([
      ['m0'],
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'],
    ]);
    await reconciler.close(100);
  });

  it('looks again at once while a step says it changed something, up to a bound', async () => {
    const { reconciler, runs } = scripted((_key, run) => ({ again: run < 3 }));
    await reconciler.trigger(7);
    expect(runs.map((run) => run.key)).toEqual([7, 7, 7]);
    const { reconciler: restless, runs: restlessRuns } = scripted(() => ({ again: true }));
    await restless.trigger(7);
    expect(restlessRuns).toHaveLength(8);
  });

  it('runs a key again when its step asked (requeueAfter); the latest answer replaces the timer', async () => {
    const answers: ReconcileResult[] = [{ requeueAfter: 1_000 }, { requeueAfter: 300 }, {}];
    const { reconciler, runs, clock } = scripted((_key, run) => answers[run - 1] ?? {});
    const start = clock.now();
    await reconciler.trigger(1);
    expect(clock.nextIn()).toBe(1_000);
    await reconciler.post(1, 'exit');
    // The second step wants to look again in 300 ms: the 1 s timer is gone.
    expect(clock.nextIn()).toBe(300);
    clock.advance(299);
    expect(runs).toHaveLength(2);
    clock.advance(1);
    await reconciler.idle();
    expect(runs.map((run) => run.at - start)).toEqual([0, 0, 300]);
    // The third step asked for nothing: no timer is left.
    expect(clock.nextIn()).toBeUndefined();
  });

  it('retries a step that threw, with backoff, and forgets the failures once one succeeds', async () => {
    let failing = 2;
    const { reconciler, runs, errors, clock } = scripted(() => {
      if (failing-- > 0) throw new Error('database unreachable');
      return {};
    });
    await reconciler.trigger(3);
    expect(errors).toEqual(['3: database unreachable']);
    expect(clock.nextIn()).toBe(100);
    clock.advance(100);
    await reconciler.idle();
    expect(clock.nextIn()).toBe(200);
    clock.advance(200);
    await reconciler.idle();
    expect(runs).toHaveLength(3);
    expect(errors).toHaveLength(2);
    expect(clock.nextIn()).toBeUndefined();
  });

  it('holds every post while paused, and runs them in one step per key on resume', async () => {
    const { reconciler, runs } = scripted(() => ({}), true);
    const posted = [reconciler.post(1, 'adopted'), reconciler.post(1, 'start'), reconciler.post(2, 'look')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([]);
    reconciler.resume();
    await Promise.all(posted);
    expect(runs.map(({ key, messages }) => [key, messages])).toEqual([
      [1, ['adopted', 'start']],
      [2, ['look']],
    ]);
  });

  it('once closed: timers cancelled, posts resolve without a step', async () => {
    const { reconciler, runs, clock } = scripted(() => ({ requeueAfter: 50 }));
    await reconciler.trigger(1);
    await reconciler.close(100);
    expect(clock.nextIn()).toBeUndefined();
    await reconciler.post(1, 'late');
    expect(runs).toHaveLength(1);
  });

  it('closed while paused: the held posts resolve without a step, and so does idle()', async () => {
    const { reconciler, runs } = scripted(() => ({}), true);
    const held = reconciler.post(1, 'adopted');
    const idle = reconciler.idle();
    await reconciler.close(100);
    await Promise.all([held, idle]);
    expect(runs).toEqual([]);
  });
});
