/** A server's state, live facts and start/stop buttons: the pieces every page showing servers shares. */
import { type ActualState, actualStates, desiredStates } from '../../db/schema.js';
import type { PlayerSample, ResourceUsage } from '../../supervisor/control.js';
import { Sparkline } from '../../views/sparkline.js';
import type { Server } from '../servers.js';

export type ServerAction = 'start' | 'stop' | 'restart';
type ServerStates = Pick<Server, 'actual_state' | 'desired_state'>;

/** States in which nothing runs: the ones a server can be started from (`updating`: once the job ends). */
const idleStates: readonly ActualState[] = ['stopped', 'failed', 'crashed', 'unknown', 'updating'];

/**
 * The buttons a server's state calls for. Start when nothing runs and none is wanted, or after
 * `failed` (which waits for someone to start it again); Stop while it runs or starts, or while the
 * panel means to start it (after a crash, before a launch); Restart while it runs.
 */
export function actionsFor({ actual_state: actual, desired_state: desired }: ServerStates): ServerAction[] {
  const idle = idleStates.includes(actual);
  const actions: ServerAction[] = [];
  if (idle && (desired === 'stopped' || actual === 'failed')) actions.push('start');
  const runs = actual === 'running' || actual === 'starting';
  const aboutToStart = idle && desired === 'running' && actual !== 'failed';
  if (runs || aboutToStart) actions.push('stop');
  if (actual === 'running') actions.push('restart');
  return actions;
}

/**
 * Every `actual/desired` pair in which a button is shown: the page script shows and hides the
 * buttons from this when the state changes, so the rule is written once, here.
 */
function statesShowing(action: ServerAction): string {
  return actualStates
    .flatMap((actual) => desiredStates.map((desired) => ({ actual_state: actual, desired_state: desired })))
    .filter((states) => actionsFor(states).includes(action))
    .map((states) => `${states.actual_state}/${states.desired_state}`)
    .join(' ');
}
const showing = Object.fromEntries(
  (['start', 'stop', 'restart'] as const).map((action) => [action, statesShowing(action)]),
) as Record<ServerAction, string>;

/**
 * Start, stop and restart buttons, those the state calls for shown: plain forms, so they work
 * without JavaScript; the others are in the page, hidden, for the live script to show. None for
 * someone who may not control the server.
 */
export function ServerActions({ server }: { server: Server }) {
  // A member without `control` gets no buttons at all (the routes would answer 403).
  if (!server.permissions.includes('control')) return null;
  const shown = actionsFor(server);
  return (
    <div class="actions">
      {(['start', 'stop', 'restart'] as const).map((action) => (
        <form
          key={action}
          method="post"
          action={`/servers/${server.id}/${action}`}
          class="inline"
          data-when={showing[action]}
          hidden={!shown.includes(action)}
        >
          <button
            type="submit"
            class={action === 'start' ? undefined : 'secondary'}
            aria-label={`${action[0]?.toUpperCase()}${action.slice(1)} ${server.name}`}
          >
            {action[0]?.toUpperCase()}
            {action.slice(1)}
          </button>
        </form>
      ))}
    </div>
  );
}

function mapText(server: Pick<Server, 'live'>): string {
  return server.live?.map ?? '-';
}

function playersText(server: Pick<Server, 'live'>): string {
  return server.live ? `${server.live.players}/${server.live.max_players}` : '-';
}

/** Port, map and players, as items of a facts list; map and players follow the live updates. */
export function PortMapPlayers({ server }: { server: Server }) {
  return (
    <>
      <div>
        <dt>Port</dt>
        <dd>{server.port}</dd>
      </div>
      <div>
        <dt>Map</dt>
        <dd data-field="map">{mapText(server)}</dd>
      </div>
      <div>
        <dt>Players</dt>
        <dd data-field="players">{playersText(server)}</dd>
      </div>
    </>
  );
}

/** CPU and memory as the page shows them: "0.25 of 1.5 cores", "180 of 512 MB"; '-' when not running. */
export function usageText(usage: ResourceUsage | null): { cpu: string; memory: string } {
  if (!usage) return { cpu: '-', memory: '-' };
  const of = (limit: number | null) => (limit === null ? '' : ` of ${limit}`);
  const cores = usage.cpu_cores === null ? '…' : usage.cpu_cores.toFixed(2);
  return {
    cpu: `${cores}${of(usage.cpu_limit)} cores`,
    memory: `${Math.round(usage.memory_mb)}${of(usage.memory_limit_mb)} MB`,
  };
}

/** CPU and memory from the engine (the docker and swarm runtimes), as items of a facts list. */
export function ResourceFacts({ usage }: { usage: ResourceUsage | null }) {
  const text = usageText(usage);
  return (
    <>
      <div>
        <dt>CPU</dt>
        <dd data-field="cpu">{text.cpu}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd data-field="memory">{text.memory}</dd>
      </div>
    </>
  );
}

/** The server's player counts of the last hour, against its player limit. */
export function PlayersSparkline({
  server,
  ...chart
}: {
  server: Server;
  samples: PlayerSample[];
  now: number;
  width: number;
  height?: number;
  class?: string;
}) {
  return (
    <Sparkline
      {...chart}
      maxPlayers={server.live?.max_players}
      holdLatest={server.actual_state === 'running'}
    />
  );
}

export function LiveSummary({ server }: { server: Server }) {
  return (
    <span>
      <span data-field="map">{mapText(server)}</span> ·{' '}
      <span data-field="players">{playersText(server)}</span>
    </span>
  );
}

/** The last error, kept in the page (hidden) when there is none, so a live update can show one. */
export function LastError({
  server,
  tag = 'p',
}: {
  server: Pick<Server, 'last_error'>;
  tag?: 'p' | 'small';
}) {
  const Tag = tag;
  return (
    <Tag class="error-text" data-field="last_error" hidden={!server.last_error}>
      {server.last_error}
    </Tag>
  );
}

/**
 * Why an `updating` server waits (design/install.md), kept in the page (hidden) otherwise, so the
 * page script shows it when the state changes.
 */
export function UpdatingNote({ server }: { server: Pick<Server, 'actual_state'> }) {
  return (
    <p class="notice" data-when-state="updating" hidden={server.actual_state !== 'updating'}>
      The game is being installed or updated: this server starts again once that is done.
    </p>
  );
}
