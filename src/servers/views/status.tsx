/** A server's state, live facts and start/stop buttons: the pieces every page showing servers shares. */
import { type PlayerSample, Sparkline } from '../../dashboard/sparkline.js';
import type { Server } from '../servers.js';

/** The coloured state; `data-field` lets the page script swap it when the state changes. */
export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state}`} data-field="state">
      {state}
    </span>
  );
}

/** Start, stop and restart buttons: plain forms, so they work without JavaScript. */
export function ServerActions({ server }: { server: Server }) {
  return (
    <div class="actions">
      {(['start', 'stop', 'restart'] as const).map((action) => (
        <form key={action} method="post" action={`/servers/${server.id}/${action}`} class="inline">
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
