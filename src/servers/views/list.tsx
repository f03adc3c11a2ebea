/** The servers page: every server in a table, and the form for a new one. */
import type { Blueprint } from '../../blueprints/blueprints.js';
import type { AppError } from '../../http/errors.js';
import { Layout, type PageContext } from '../../views/layout.js';
import { StateBadge } from '../../views/state-badge.js';
import type { Server } from '../servers.js';
import { ServerForm, type ServerFormValues } from './form.js';
import { LastError, LiveSummary, ServerActions } from './status.js';

/** Every server with its state, live facts and start/stop buttons; live when the page has a stream. */
function ServerTable({ servers }: { servers: Server[] }) {
  return servers.length === 0 ? (
    <p class="empty">No servers yet.</p>
  ) : (
    <table class="servers">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Port</th>
          <th scope="col">State</th>
          <th scope="col">Map · players</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {servers.map((server) => (
          <tr key={server.id} data-server-id={server.id}>
            <td>
              <a href={`/servers/${server.id}`}>{server.name}</a>
            </td>
            <td>{server.port}</td>
            <td>
              <StateBadge state={server.actual_state} />
              <LastError server={server} tag="small" />
            </td>
            <td>
              <LiveSummary server={server} />
            </td>
            <td>
              <ServerActions server={server} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ServersPage(props: {
  ctx: PageContext;
  servers: Server[];
  blueprints: Blueprint[];
  form: ServerFormValues;
  error?: AppError | undefined;
  /** RUNTIME=swarm: servers are placed on nodes. */
  placement?: boolean;
}) {
  return (
    <Layout ctx={props.ctx} title="Servers">
      <h1>Servers</h1>
      {props.placement && props.ctx.user?.role === 'admin' && (
        <p>
          Servers run on the swarm's <a href="/nodes">nodes</a>.
        </p>
      )}
      <div data-events="/events">
        <ServerTable servers={props.servers} />
      </div>
      <h2 id="new-server">New server</h2>
      {props.blueprints.length === 0 ? (
        <p>
          Create a <a href="/blueprints">blueprint</a> first: a server is made from one.
        </p>
      ) : (
        <ServerForm
          action="/servers"
          values={props.form}
          blueprints={props.blueprints}
          error={props.error}
          submit="Create server"
          placement={props.placement}
        />
      )}
    </Layout>
  );
}
