/**
 * An app on a supervisor whose live facts and RCON replies each test sets: for the pages and routes
 * that show what the supervisor knows (the dashboard, the server page, its game routes).
 */
import { AppError } from '../../src/http/errors.js';
import type { LiveStatus, ServerEvent, SupervisorControl } from '../../src/supervisor/control.js';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  startTestApp,
  type TestApp,
} from './app.js';

/** srcds's `status` reply with two players, Coach (userid 2) and <b>Ellis</b> (userid 3). */
export const statusReply = `hostname: Test
map     : c2m1_highway at: 0 x, 0 y, 0 z
players : 2 humans, 0 bots (8 max)

# userid name uniqueid connected ping loss state rate adr
#  2 "Coach" STEAM_1:0:1008198 05:12 27 0 active 30000 127.0.0.1:27007
#  3 "<b>Ellis</b>" STEAM_1:1:1012297 00:07 34 0 active 30000 127.0.0.1:27008
`;

/** A supervisor whose live facts and RCON replies the test sets, and whose events it emits. */
export function scriptedSupervisor() {
  const listeners = new Map<number, Set<(event: ServerEvent) => void>>();
  const supervisor = {
    commands: [] as string[],
    live: new Map<number, LiveStatus>(),
    /** Replies by the command's first word; an AppError is thrown, as the supervisor throws it. */
    replies: new Map<string, string | AppError>(),
    history: [
      { at: Date.now() - 20 * 60_000, players: 1 },
      { at: Date.now() - 5 * 60_000, players: 2 },
    ],
    desiredStateChanged() {},
    async restart() {},
    async removeServer() {},
    liveStatus(id: number): LiveStatus | null {
      return supervisor.live.get(id) ?? null;
    },
    async rcon(id: number, command: string): Promise<string> {
      supervisor.commands.push(`${id}: ${command}`);
      const reply = supervisor.replies.get(command.split(' ')[0] ?? '') ?? '';
      if (reply instanceof AppError) throw reply;
      return reply;
    },
    subscribe(id: number, listener: (event: ServerEvent) => void) {
      const set = listeners.get(id) ?? new Set();
      listeners.set(id, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    listeners(id: number) {
      return listeners.get(id)?.size ?? 0;
    },
    emit(id: number, event: ServerEvent) {
      for (const listener of listeners.get(id) ?? []) listener(event);
    },
    playerHistory(): { at: number; players: number }[] {
      return supervisor.history;
    },
    async recentConsole() {
      return ['Server version 2.2.4.3 (simulated) is ready.', 'Client "<Coach>" connected'];
    },
  } satisfies SupervisorControl & Record<string, unknown>;
  return supervisor;
}

export interface ScriptedApp {
  t: TestApp;
  supervisor: ReturnType<typeof scriptedSupervisor>;
  /** The owner of both servers, over JSON. */
  owner: Client;
  /** The same owner in a browser (forms). */
  browser: Client;
  /** Alpha on port 27015 (Beta, on 27115, is the second server). */
  serverId: number;
  /** Marks Alpha running, as the supervisor would. */
  setRunning(): Promise<unknown>;
}

/** The app on a scripted supervisor, with an owner and two servers, Alpha and Beta, on one blueprint. */
export async function startScriptedApp(): Promise<ScriptedApp> {
  const supervisor = scriptedSupervisor();
  const t = await startTestApp({ supervisor, env: { ALLOW_REGISTRATION: 'true' } });
  const owner = await signUp(t.app, 'owner');
  const blueprintId = await createBlueprint(owner, { name: 'coop', arguments: ['+map c2m1_highway'] });
  const serverId = await createServer(owner, { name: 'Alpha', port: 27015, blueprint_id: blueprintId });
  await createServer(owner, { name: 'Beta', port: 27115, blueprint_id: blueprintId });
  const browser = await logIn(t.app, 'owner', 'form');
  const setRunning = () =>
    t.database.db
      .updateTable('servers')
      .set({ actual_state: 'running', desired_state: 'running' })
      .where('id', '=', serverId)
      .execute();
  return { t, supervisor, owner, browser, serverId, setRunning };
}
