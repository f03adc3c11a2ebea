import type { Blueprint } from '../blueprints/blueprints.js';
import { formatConnected, type Player } from '../dashboard/players.js';
import { type PlayerSample, Sparkline } from '../dashboard/sparkline.js';
import type { AppError } from '../http/errors.js';
import { stockCampaigns } from '../views/campaigns.js';
import {
  ErrorMessage,
  errorAria,
  Field,
  FieldFrame,
  FormCard,
  Layout,
  type PageContext,
} from '../views/layout.js';
import { submittedValues } from '../views/submitted.js';
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
  return submittedValues(body, fallback, (value) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined,
  );
}

/** The coloured state; `data-field` lets the page script swap it when the state changes. */
export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state}`} data-field="state">
      {state}
    </span>
  );
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
    <FormCard action={props.action} error={props.error?.message} submit={props.submit}>
      <Field label="Name" name="name" value={props.values.name} error={fields?.name} required />
      <Field
        label="Port"
        name="port"
        value={props.values.port}
        error={fields?.port}
        required
        hint="Game port, 1024-65535. The client port (port - 10) is reserved with it."
      />
      <FieldFrame label="Blueprint" name="blueprint_id" error={fields?.blueprint_id}>
        <select
          id="field-blueprint_id"
          name="blueprint_id"
          required
          {...errorAria('field-blueprint_id', fields?.blueprint_id)}
        >
          {props.blueprints.map((blueprint) => (
            <option
              key={blueprint.id}
              value={String(blueprint.id)}
              selected={String(blueprint.id) === props.values.blueprint_id}
            >
              {blueprint.name}
            </option>
          ))}
        </select>
      </FieldFrame>
    </FormCard>
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

export function mapText(server: Pick<Server, 'live'>): string {
  return server.live?.map ?? '-';
}

export function playersText(server: Pick<Server, 'live'>): string {
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

/** Every server with its state, live facts and start/stop buttons; live when the page has a stream. */
export function ServerTable({ servers }: { servers: Server[] }) {
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
}) {
  return (
    <Layout ctx={props.ctx} title="Servers">
      <h1>Servers</h1>
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
        />
      )}
    </Layout>
  );
}

/** Which part of the server page a failed (or answered) form belongs to. */
export type ServerSection = 'settings' | 'console' | 'map' | 'players';

/** What the page shows after a form of its own: the section it was about and the user's input. */
export interface ServerPageFocus {
  section?: ServerSection;
  /** The console command typed, kept in its field. */
  command?: string;
  /** The reply to that command, shown in place. */
  output?: string;
  /** The map typed or picked. */
  map?: string;
}

function PlayersSection({
  server,
  players,
  error,
}: {
  server: Server;
  players: Player[] | null;
  error?: AppError | undefined;
}) {
  return (
    <section class="card" id="players" aria-labelledby="players-heading">
      <h2 id="players-heading">Players</h2>
      <ErrorMessage message={error?.message} />
      {server.actual_state !== 'running' ? (
        <p class="empty">The server is not running.</p>
      ) : players === null ? (
        <p class="empty">The server did not say who is playing.</p>
      ) : players.length === 0 ? (
        <p class="empty">Nobody is playing.</p>
      ) : (
        <table class="players">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Score</th>
              <th scope="col">Connected</th>
              <th scope="col">
                <span class="visually-hidden">Kick</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {players.map((player, index) => (
              <tr key={`${player.name}-${index}`}>
                <td>{player.name || <span class="muted">(connecting)</span>}</td>
                <td>{player.score}</td>
                <td>{formatConnected(player.seconds)}</td>
                <td>
                  {player.name && (
                    <form method="post" action={`/servers/${server.id}/kick`} class="inline">
                      <input type="hidden" name="name" value={player.name} />
                      <button type="submit" class="secondary small" aria-label={`Kick ${player.name}`}>
                        Kick
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MapSection({
  server,
  focus,
  error,
}: {
  server: Server;
  focus: ServerPageFocus;
  error?: AppError | undefined;
}) {
  const campaigns = stockCampaigns();
  const stock = new Set(campaigns.flatMap((campaign) => campaign.maps));
  const wanted = focus.map ?? server.live?.map ?? '';
  const custom = stock.has(wanted) ? '' : wanted;
  const fieldError = error?.fields?.map ?? error?.fields?.custom_map;
  return (
    <section class="card" id="map" aria-labelledby="map-heading">
      <h2 id="map-heading">Change map</h2>
      <form method="post" action={`/servers/${server.id}/changelevel`}>
        <ErrorMessage message={error?.message} />
        <p class="field">
          <label for="field-map">Campaign map</label>
          <select id="field-map" name="map">
            {campaigns.map((campaign) => (
              <optgroup key={campaign.name} label={campaign.name}>
                {campaign.maps.map((map) => (
                  <option key={map} value={map} selected={map === wanted}>
                    {map}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </p>
        <p class="field">
          <label for="field-custom_map">Or another map</label>
          <input
            type="text"
            id="field-custom_map"
            name="custom_map"
            value={custom}
            placeholder="e.g. a workshop or custom map"
            spellcheck={false}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={fieldError ? 'field-custom_map-error' : 'field-custom_map-hint'}
          />
          <small id="field-custom_map-hint">Used instead of the list when filled in.</small>
          {fieldError && (
            <span class="field-error" id="field-custom_map-error">
              {fieldError}
            </span>
          )}
        </p>
        <button type="submit">Change map</button>
      </form>
    </section>
  );
}

function ConsoleSection(props: {
  server: Server;
  lines: string[];
  focus: ServerPageFocus;
  error?: AppError | undefined;
}) {
  const { server, focus, error } = props;
  const commandError = error?.fields?.command;
  return (
    <section class="card" id="console" aria-labelledby="console-heading">
      <h2 id="console-heading">Console</h2>
      <pre class="console" data-console tabindex={0} aria-label="Console output" role="log" aria-live="off">
        {props.lines.length ? `${props.lines.join('\n')}\n` : ''}
      </pre>
      <form method="post" action={`/servers/${server.id}/rcon`} class="console-form" data-rcon>
        <ErrorMessage message={error && !commandError ? error.message : undefined} />
        <p class="field">
          <label for="field-command">Command (runs through RCON)</label>
          <span class="input-row">
            <input
              type="text"
              id="field-command"
              name="command"
              value={focus.command ?? ''}
              required
              autocomplete="off"
              spellcheck={false}
              placeholder="status"
              aria-invalid={commandError ? 'true' : undefined}
              aria-describedby={commandError ? 'field-command-error' : undefined}
            />
            <button type="submit">Run</button>
          </span>
          {commandError && (
            <span class="field-error" id="field-command-error">
              {commandError}
            </span>
          )}
        </p>
        <div class="rcon-reply" data-rcon-reply aria-live="polite" hidden={focus.output === undefined}>
          <h3>Reply</h3>
          <pre>{focus.output === '' ? '(no reply)' : focus.output}</pre>
        </div>
      </form>
    </section>
  );
}

export function ServerPage(props: {
  ctx: PageContext;
  server: Server;
  blueprints: Blueprint[];
  launchLine: string;
  form: ServerFormValues;
  error?: AppError | undefined;
  consoleLines?: string[];
  players?: Player[] | null;
  history?: PlayerSample[];
  now?: number;
  focus?: ServerPageFocus;
}) {
  const { server } = props;
  const focus = props.focus ?? {};
  const section = focus.section ?? 'settings';
  const errorFor = (which: ServerSection) => (section === which ? props.error : undefined);
  const blueprint = props.blueprints.find((candidate) => candidate.id === server.blueprint_id);
  return (
    <Layout ctx={props.ctx} title={server.name}>
      <div data-server-id={server.id} data-events={`/servers/${server.id}/events`}>
        <p class="crumbs">
          <a href="/servers">Servers</a> /
        </p>
        <div class="page-head">
          <h1>{server.name}</h1>
          <StateBadge state={server.actual_state} />
          <span class="live-status muted" data-live-status />
        </div>
        <section class="card status" aria-label="Status">
          <dl class="facts">
            <div>
              <dt>Wanted</dt>
              <dd data-field="desired_state">{server.desired_state}</dd>
            </div>
            <PortMapPlayers server={server} />
            <div>
              <dt>Last hour</dt>
              <dd>
                <PlayersSparkline
                  server={server}
                  samples={props.history ?? []}
                  now={props.now ?? Date.now()}
                  width={160}
                />
              </dd>
            </div>
            <div>
              <dt>Blueprint</dt>
              <dd>
                {blueprint ? (
                  <a href={`/blueprints/${blueprint.id}`}>{blueprint.name}</a>
                ) : (
                  `#${server.blueprint_id}`
                )}
              </dd>
            </div>
          </dl>
          <LastError server={server} />
          <ServerActions server={server} />
        </section>
        <div class="columns">
          <PlayersSection server={server} players={props.players ?? null} error={errorFor('players')} />
          <MapSection server={server} focus={focus} error={errorFor('map')} />
        </div>
        <ConsoleSection
          server={server}
          lines={props.consoleLines ?? []}
          focus={focus}
          error={errorFor('console')}
        />
      </div>
      <section aria-labelledby="launch-heading">
        <h2 id="launch-heading">Launch line</h2>
        <p class="muted">
          What the panel runs to start this server (the rcon password is in the generated cfg, not here).
        </p>
        <pre class="launch-line">{props.launchLine}</pre>
      </section>
      <section aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <ServerForm
          action={`/servers/${server.id}`}
          values={props.form}
          blueprints={props.blueprints}
          error={errorFor('settings')}
          submit="Save"
        />
      </section>
      <form method="post" action={`/servers/${server.id}/delete`} class="danger-zone">
        <button type="submit" class="danger">
          Delete server
        </button>
        <small class="muted"> Stops it first. There is no undo.</small>
      </form>
    </Layout>
  );
}
