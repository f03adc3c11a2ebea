import type { Blueprint } from '../blueprints/blueprints.js';
import type { Install } from '../install/control.js';
import { InstallBanner } from '../install/views.js';
import type { Server } from '../servers/servers.js';
import { LastError, PlayersSparkline, PortMapPlayers, ServerActions } from '../servers/views/status.js';
import type { PlayerSample } from '../supervisor/control.js';
import { Layout, type PageContext } from '../views/layout.js';
import { StateBadge } from '../views/state-badge.js';

export interface DashboardServer {
  server: Server;
  history: PlayerSample[];
}

/** One server at a glance: state, map, players, the last hour, and its buttons. */
function ServerCard({ server, history, now }: DashboardServer & { now: number }) {
  const headingId = `server-${server.id}-name`;
  return (
    <article class="server-card" data-server-id={server.id} aria-labelledby={headingId}>
      <header class="server-card-head">
        <h2 id={headingId}>
          <a href={`/servers/${server.id}`}>{server.name}</a>
        </h2>
        <StateBadge state={server.actual_state} />
      </header>
      <dl class="facts compact">
        <PortMapPlayers server={server} />
      </dl>
      <div class="spark">
        <span class="spark-label">Players, last hour</span>
        <PlayersSparkline server={server} samples={history} now={now} width={240} height={32} class="wide" />
      </div>
      <LastError server={server} />
      <ServerActions server={server} />
    </article>
  );
}

/** The home page: every server the user may see, live; or the two steps to a first one. */
export function DashboardPage(props: {
  ctx: PageContext;
  servers: DashboardServer[];
  blueprints: Blueprint[];
  /** For admins: the game's install, for the banner. */
  install?: Install | null;
  now: number;
}) {
  const { servers } = props;
  const running = servers.filter(({ server }) => server.actual_state === 'running').length;
  return (
    <Layout ctx={props.ctx} title="Dashboard">
      <div class="page-head">
        <h1>Dashboard</h1>
        <span class="live-status muted" data-live-status />
      </div>
      {props.install && <InstallBanner install={props.install} />}
      {servers.length === 0 ? (
        <ol class="card steps">
          <li>
            <a href="/blueprints">Create a blueprint</a>: launch arguments and server.cfg lines.
            {props.blueprints.length > 0 && <strong> Done.</strong>}
          </li>
          <li>
            <a href="/servers#new-server">Create a server</a> from it, with its own name and port, and start
            it.
          </li>
        </ol>
      ) : (
        <>
          <p>
            <span data-running-count>{running}</span> of {servers.length} servers running ·{' '}
            <a href="/servers#new-server">New server</a>
          </p>
          <div class="server-grid" data-events="/events">
            {servers.map((item) => (
              <ServerCard key={item.server.id} {...item} now={props.now} />
            ))}
          </div>
        </>
      )}
    </Layout>
  );
}
