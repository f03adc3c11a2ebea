import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { consoleLogPath, serverDataDir } from '../config/paths.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { ConsoleFollowers } from './console-follow.js';
import { appendConsoleNote, readLogFrom } from './console-log.js';
import { type Action, decide, describeExit, type Outcome, recentCrashes, type UpdateHold } from './decide.js';
import type { EventBus } from './events.js';
import type { LiveAnswer } from './link.js';
import type { A2sPoller } from './poller.js';
import { startingPollTiming } from './poller.js';
import { bindFailureIn } from './ports.js';
import { launchServer, type ProcessDeps, stopProcess } from './process-control.js';
import type { ReconcileResult } from './reconciler.js';
import type { ExitInfo, RuntimeHandle } from './runtime.js';
import {
  decideInput,
  loadFacts,
  rconTarget,
  type ServerFacts,
  type ServerState,
  type States,
} from './state.js';

/** What the players read before their server stops for a game update (no `;`: srcds splits commands there). */
export const UPDATE_WARNING = 'This server stops now for a game update, and is back in a few minutes.';

/** What a server's reconcile is told: requests from the panel, and what its watchers observed. */
export type ServerMessage =
  /** The row may have changed (a desired-state change, a resync): read it. */
  | { kind: 'look' }
  /** Start was pressed: a failed or crash-looping server gets a fresh try. */
  | { kind: 'start' }
  | { kind: 'restart' }
  | { kind: 'remove' }
  /** A process a previous panel launched, still running. */
  | { kind: 'adopted'; handle: RuntimeHandle }
  | { kind: 'exited'; handle: RuntimeHandle; exit: ExitInfo; at: number }
  | { kind: 'answered'; handle: RuntimeHandle; answer: LiveAnswer; at: number };

const observations = new Set<ServerMessage['kind']>(['adopted', 'exited', 'answered']);

export interface StepDeps {
  readonly database: DatabaseHandle;
  readonly states: States;
  readonly events: EventBus;
  readonly poller: A2sPoller;
  readonly consoles: ConsoleFollowers;
  readonly processes: ProcessDeps;
  /** Posts a message to a server's reconcile (how a process's exit comes back). */
  post(serverId: number, message: ServerMessage): void;
  /** What a game install or update job asks of the servers now (src/install/). */
  hold(): UpdateHold;
}

/**
 * One reconcile step of one server, and the only writer of its state (state.ts): it takes in the
 * messages, reads the row, asks decide() for the next action, carries it out (launch and stop do the
 * I/O and return facts) and records the outcome. It tells the reconciler when to look again.
 */
export class ReconcileStep {
  constructor(private readonly deps: StepDeps) {}

  async run(id: number, messages: ServerMessage[]): Promise<ReconcileResult> {
    const { states } = this.deps;
    if (states.isRemoved(id)) return {};
    const state = states.of(id);
    let facts: ServerFacts | undefined;
    let fresh = false;
    const read = async () => {
      facts = await this.read(state);
      fresh = true;
    };
    // A step woken only by observations (an A2S answer...) reads the row only if it is about to act; so
    // does a removal (a server without a process is forgotten without it).
    const removal = messages.some((m) => m.kind === 'remove');
    const mayAct = !state.loaded || messages.length === 0 || messages.some((m) => !observations.has(m.kind));
    if (mayAct && !removal) await read();
    for (const message of messages) await this.take(state, message);
    // A start pressed during a game update job is answered by the job's end (start, or fail).
    if (this.deps.hold().updating) state.retry = false;
    for (;;) {
      if (state.removing && !state.process) {
        await this.forget(state);
        return {};
      }
      const action = this.decide(state);
      if (action.kind === 'none') {
        return action.wakeAt === undefined ? {} : { requeueAfter: action.wakeAt - this.clock.now() };
      }
      // Act only on a fresh row.
      if (!fresh) {
        await read();
        continue;
      }
      return this.act(state, action, facts);
    }
  }

  private get clock() {
    return this.deps.processes.clock;
  }

  private decide(state: ServerState): Action {
    const { options } = this.deps.processes;
    const now = this.clock.now();
    state.crashes = recentCrashes(state.crashes, now, options);
    return decide(decideInput(state, now, this.deps.hold()), options);
  }

  /** The row into the state; a row that is gone means the server is being removed. */
  private async read(state: ServerState): Promise<ServerFacts | undefined> {
    const facts = await loadFacts(this.deps.database, state.id);
    state.loaded = true;
    if (!facts) {
      state.removing = true;
      return undefined;
    }
    state.port = facts.port;
    state.rconPassword = facts.rcon_password;
    state.desired = facts.desired_state;
    state.actual = facts.actual_state;
    state.lastError = facts.last_error;
    return facts;
  }

  private async take(state: ServerState, message: ServerMessage): Promise<void> {
    switch (message.kind) {
      case 'look':
        return;
      case 'start':
      case 'restart':
        state.retry = true;
        state.crashes = [];
        if (message.kind === 'restart') state.restart = true;
        return;
      case 'remove':
        state.removing = true;
        return;
      case 'adopted':
        if (!state.process) this.track(state, message.handle, this.clock.now(), 0);
        return;
      case 'exited':
        return this.exited(state, message.handle, message.exit, message.at);
      case 'answered': {
        const { process } = state;
        if (process?.handle !== message.handle) return;
        state.process = { ...process, lastAnswerAt: message.at };
        state.players = message.answer.players;
        state.answeredAt = message.at;
        this.setLive(state, message.answer.live);
        this.samplePlayers(state, message.at, message.answer.live.players);
        return;
      }
    }
  }

  /** An exit of the tracked process nobody asked for (one we stopped is no longer tracked). */
  private async exited(state: ServerState, handle: RuntimeHandle, exit: ExitInfo, at: number): Promise<void> {
    const { process } = state;
    if (process?.handle !== handle) return;
    this.untrack(state);
    const logPath = consoleLogPath(this.deps.processes.dataDir, state.id);
    const description = describeExit(exit);
    // A start that ended at once may say why: a port it could not bind.
    const busyPort =
      state.actual === 'starting' && !handle.adopted
        ? bindFailureIn(readLogFrom(logPath, process.logOffset), state.port)
        : null;
    state.exit = { at, description, busyPort };
    await appendConsoleNote(logPath, `server process ${handle.pid} ${description}`).catch(() => undefined);
  }

  private async act(state: ServerState, action: Exclude<Action, { kind: 'none' }>, facts?: ServerFacts) {
    switch (action.kind) {
      case 'record':
        if (action.countsAsCrash) state.crashes.push(this.clock.now());
        state.exit = null;
        await this.record(state, action.outcome);
        return { again: true };
      case 'launch':
        return facts ? this.launch(state, facts, action.clearError) : {};
      case 'stop':
        return this.stop(state, action, facts !== undefined);
    }
  }

  private async launch(
    state: ServerState,
    facts: ServerFacts,
    clearError: boolean,
  ): Promise<ReconcileResult> {
    state.retry = false;
    state.restart = false;
    if (clearError) state.crashes = [];
    await this.record(state, { actual: 'starting', lastError: clearError ? '' : state.lastError });
    const launched = await launchServer(this.deps.processes, facts);
    if ('refusal' in launched)
      await this.record(state, { actual: 'failed', lastError: launched.refusal, incident: 'failed' });
    else this.track(state, launched.handle, launched.handle.launchedAt, launched.logOffset);
    return { again: true };
  }

  private async stop(
    state: ServerState,
    action: Extract<Action, { kind: 'stop' }>,
    hasRow: boolean,
  ): Promise<ReconcileResult> {
    const handle = state.process?.handle;
    if (!handle) return { again: true };
    await this.record(state, { actual: 'stopping', lastError: state.lastError });
    const gone = await stopProcess(this.deps.processes, handle, rconTarget(state), {
      gentle: action.gentle,
      why: action.outcome.lastError,
      warning: action.warn ? UPDATE_WARNING : undefined,
    });
    if (gone) this.untrack(state);
    if (action.countsAsCrash) state.crashes.push(this.clock.now());
    state.exit = null;
    if (!gone) {
      await this.record(state, {
        actual: 'failed',
        lastError: `could not stop the server process (pid ${handle.pid})`,
        incident: 'failed',
      });
      return {};
    }
    if (hasRow) await this.record(state, action.outcome);
    return { again: true };
  }

  /** Watches a launched or adopted process: its exit, and its A2S answers. */
  private track(state: ServerState, handle: RuntimeHandle, since: number, logOffset: number): void {
    state.process = { handle, since, lastAnswerAt: null, logOffset };
    state.exit = null;
    void handle.exited.then((exit) =>
      this.deps.post(state.id, { kind: 'exited', handle, exit, at: this.clock.now() }),
    );
    const firstPollMs = handle.adopted
      ? Math.random() * 200
      : startingPollTiming(0, this.deps.processes.options).delayMs;
    this.deps.poller.start(state.id, handle, firstPollMs);
  }

  private untrack(state: ServerState): void {
    state.process = null;
    this.deps.poller.stop(state.id);
    this.setLive(state, null);
  }

  /** The server is gone (deleted here, or its row elsewhere): its watchers, records and files go too. */
  private async forget(state: ServerState): Promise<void> {
    const { id } = state;
    this.deps.poller.stop(id);
    this.deps.consoles.unfollow(id);
    this.deps.states.remove(id, this.clock.now());
    await this.deps.processes.runtime.forget(id);
    // Its console log, pid file and instance (links are removed, never followed). A server never
    // started has none: asking first spares rm's failed lstat, an error object each time.
    const dir = serverDataDir(this.deps.processes.dataDir, id);
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
  }

  /** Writes actual_state and last_error (only the supervisor does) and tells the listeners. */
  private async record(state: ServerState, { actual, lastError, incident }: Outcome): Promise<void> {
    if (state.actual === actual && state.lastError === lastError) return;
    await this.deps.database.db
      .updateTable('servers')
      .set({ actual_state: actual, last_error: lastError })
      .where('id', '=', state.id)
      .execute();
    state.actual = actual;
    state.lastError = lastError;
    const { events } = this.deps;
    events.emit(state.id, {
      type: 'state',
      actual_state: actual,
      desired_state: state.desired,
      last_error: lastError,
    });
    if (actual !== 'running') this.setLive(state, null);
    else if (state.live) events.emit(state.id, { type: 'live', live: state.live });
    // For alerts: handed to a queue, never awaited here (src/alerts/).
    if (incident) events.incident({ serverId: state.id, kind: incident, lastError, at: this.clock.now() });
  }

  private setLive(state: ServerState, live: LiveAnswer['live'] | null): void {
    const before = state.live;
    state.live = live;
    if (!live) state.players = null;
    const same =
      before === live ||
      (before !== null &&
        live !== null &&
        before.map === live.map &&
        before.players === live.players &&
        before.max_players === live.max_players);
    if (!same)
      this.deps.events.emit(state.id, { type: 'live', live: state.actual === 'running' ? live : null });
  }

  private samplePlayers(state: ServerState, now: number, players: number): void {
    const { playerHistoryStepMs, playerHistoryMs } = this.deps.processes.options;
    const last = state.history.at(-1);
    if (last && last.players === players && now - last.at < playerHistoryStepMs) return;
    state.history.push({ at: now, players });
    while ((state.history[0]?.at ?? now) < now - playerHistoryMs) state.history.shift();
  }
}
