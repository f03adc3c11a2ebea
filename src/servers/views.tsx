import type { Blueprint } from '../blueprints/blueprints.js';
import type { AppError } from '../http/errors.js';
import { ErrorMessage, Field, Layout, type PageContext } from '../views/layout.js';
import type { Server } from './servers.js';

export interface ServerFormValues {
  name: string;
  port: string;
  blueprint_id: string;
}

export const emptyServerForm: ServerFormValues = { name: '', port: '', blueprint_id: '' };

export function serverFormValues(server: Server): ServerFormValues {
  return { name: server.name, port: String(server.port), blueprint_id: String(server.blueprint_id) };
}

/** The user's input as they sent it, whatever its types, for re-rendering a form. */
export function submittedServerValues(body: unknown, fallback: ServerFormValues): ServerFormValues {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown, otherwise: string) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : otherwise;
  return {
    name: text(fields.name, fallback.name),
    port: text(fields.port, fallback.port),
    blueprint_id: text(fields.blueprint_id, fallback.blueprint_id),
  };
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

function ServerForm(props: {
  action: string;
  values: ServerFormValues;
  blueprints: Blueprint[];
  error?: AppError | undefined;
  submit: string;
}) {
  const fields = props.error?.fields;
  return (
    <form method="post" action={props.action} class="card">
      <ErrorMessage message={props.error?.message} />
      <Field label="Name" name="name" value={props.values.name} error={fields?.name} required />
      <Field
        label="Port"
        name="port"
        value={props.values.port}
        error={fields?.port}
        required
        hint="Game port, 1024-65535. The client port (port - 10) is reserved with it."
      />
      <p class="field">
        <label for="field-blueprint_id">Blueprint</label>
        <select id="field-blueprint_id" name="blueprint_id" required aria-invalid={fields?.blueprint_id ? 'true' : undefined}>
          {props.blueprints.map((blueprint) => (
            <option key={blueprint.id} value={String(blueprint.id)} selected={String(blueprint.id) === props.values.blueprint_id}>
              {blueprint.name}
            </option>
          ))}
        </select>
        {fields?.blueprint_id && <span class="field-error">{fields.blueprint_id}</span>}
      </p>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** Start, stop and restart buttons: plain forms, so they work without JavaScript. */
export function ServerActions({ server }: { server: Server }) {
  return (
    <div class="actions">
      {(['start', 'stop', 'restart'] as const).map((action) => (
        <form key={action} method="post" action={`/servers/${server.id}/${action}`} class="inline">
          <button type="submit" class={action === 'stop' ? 'secondary' : undefined}>
            {action[0]?.toUpperCase()}
            {action.slice(1)}
          </button>
        </form>
      ))}
    </div>
  );
}

export function LiveSummary({ server }: { server: Server }) {
  if (!server.live) return <span class="muted">-</span>;
  return (
    <span>
      {server.live.map} · {server.live.players}/{server.live.max_players}
    </span>
  );
}

export function ServersPage(props: {
  ctx: PageContext;
  servers: Server[];
  blueprints: Blueprint[];
  form: ServerFormValues;
  error?: AppError | undefined;
}) {
  return (
    <Layout ctx={props.ctx} title="Servers">
      <h1>Servers</h1>
      {props.servers.length === 0 ? (
        <p class="empty">No servers yet.</p>
      ) : (
        <table class="servers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Port</th>
              <th>State</th>
              <th>Map · players</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.servers.map((server) => (
              <tr key={server.id} data-server-id={server.id}>
                <td>
                  <a href={`/servers/${server.id}`}>{server.name}</a>
                </td>
                <td>{server.port}</td>
                <td>
                  <StateBadge state={server.actual_state} />
                  {server.last_error && <small class="error-text">{server.last_error}</small>}
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
      )}
      <h2>New server</h2>
      {props.blueprints.length === 0 ? (
        <p>
          Create a <a href="/blueprints">blueprint</a> first: a server is made from one.
        </p>
      ) : (
        <ServerForm action="/servers" values={props.form} blueprints={props.blueprints} error={props.error} submit="Create server" />
      )}
    </Layout>
  );
}

export function ServerPage(props: {
  ctx: PageContext;
  server: Server;
  blueprints: Blueprint[];
  launchLine: string;
  form: ServerFormValues;
  error?: AppError | undefined;
}) {
  const { server } = props;
  return (
    <Layout ctx={props.ctx} title={server.name}>
      <p class="crumbs">
        <a href="/servers">Servers</a> /
      </p>
      <h1>{server.name}</h1>
      <section class="card" data-server-id={server.id}>
        <p>
          State: <StateBadge state={server.actual_state} /> <small>(wanted: {server.desired_state})</small>
        </p>
        {server.last_error && (
          <p class="error-text" role="status">
            {server.last_error}
          </p>
        )}
        <p>
          Port {server.port} · <LiveSummary server={server} />
        </p>
        <ServerActions server={server} />
      </section>
      <h2>Launch line</h2>
      <pre class="launch-line">{props.launchLine}</pre>
      <h2>Settings</h2>
      <ServerForm
        action={`/servers/${server.id}`}
        values={props.form}
        blueprints={props.blueprints}
        error={props.error}
        submit="Save"
      />
      <form method="post" action={`/servers/${server.id}/delete`} class="danger-zone">
        <button type="submit" class="danger">
          Delete server
        </button>
      </form>
    </Layout>
  );
}
