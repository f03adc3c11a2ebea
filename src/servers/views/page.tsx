/**
 * One server's page: status, players, map change, console, launch line, settings, members and delete,
 * each shown to those who may use it (a member sees what their permissions allow).
 */
import type { SourcemodStatus } from '../../addons/sourcemod-card.js';
import { SourcemodCard } from '../../addons/views.js';
import type { Blueprint } from '../../blueprints/blueprints.js';
import type { AppError } from '../../http/errors.js';
import type { Player, PlayerSample, ResourceUsage } from '../../supervisor/control.js';
import { Layout, type PageContext } from '../../views/layout.js';
import { StateBadge } from '../../views/state-badge.js';
import type { Member } from '../members.js';
import type { Server } from '../servers.js';
import { ConsoleSection } from './console-section.js';
import { ServerForm, type ServerFormValues } from './form.js';
import { MapSection } from './map-section.js';
import { MembersSection } from './members-section.js';
import type { ServerPageFocus, ServerSection } from './page-focus.js';
import { PlayersSection } from './players-section.js';
import {
  LastError,
  PlayersSparkline,
  PortMapPlayers,
  ResourceFacts,
  ServerActions,
  UpdatingNote,
} from './status.js';

/** The wanted state, live facts, last hour and blueprint, with the last error and the buttons. */
function StatusSection(props: {
  server: Server;
  blueprint: ShownBlueprint;
  history: PlayerSample[];
  now: number;
  usage: ResourceUsage | null | undefined;
}) {
  const { server, blueprint } = props;
  return (
    <section class="card status" aria-label="Status">
      <dl class="facts">
        <div>
          <dt>Wanted</dt>
          <dd data-field="desired_state">{server.desired_state}</dd>
        </div>
        <PortMapPlayers server={server} />
        {props.usage !== undefined && <ResourceFacts usage={props.usage} />}
        <div>
          <dt>Last hour</dt>
          <dd>
            <PlayersSparkline server={server} samples={props.history} now={props.now} width={160} />
          </dd>
        </div>
        <div>
          <dt>Blueprint</dt>
          <dd>
            {blueprint.linked ? <a href={`/blueprints/${blueprint.id}`}>{blueprint.name}</a> : blueprint.name}
          </dd>
        </div>
      </dl>
      {server.restart_required && (
        <p class="notice" role="status" data-field="restart_required">
          Restart required: its blueprint's addons changed since it started. Restart it to give it them.
        </p>
      )}
      <LastError server={server} />
      <UpdatingNote server={server} />
      <ServerActions server={server} />
    </section>
  );
}

/** The server's blueprint; a link to its page for those who may open it (not a member: it is the owner's). */
export interface ShownBlueprint {
  id: number;
  name: string;
  linked: boolean;
}

export function ServerPage(props: {
  ctx: PageContext;
  server: Server;
  blueprint: ShownBlueprint;
  /** What the settings form offers. */
  blueprints: Blueprint[];
  launchLine: string;
  form: ServerFormValues;
  error?: AppError | undefined;
  consoleLines?: string[];
  players?: Player[] | null;
  history?: PlayerSample[];
  now?: number;
  focus?: ServerPageFocus;
  /** CPU and memory from the engine (docker and swarm runtimes); undefined: the runtime has none. */
  usage?: ResourceUsage | null;
  /** RUNTIME=swarm: show the node field. */
  placement?: boolean;
  /** The maps of the blueprint's addons, offered beside the stock ones. */
  addonMaps?: string[];
  /** When the blueprint runs SourceMod: what the server says of it (null while it does not run). */
  sourcemod?: SourcemodStatus | null | undefined;
  /** Its members, for its owner and admins; null for a member. */
  members?: Member[] | null;
}) {
  const { server } = props;
  const focus = props.focus ?? {};
  const section = focus.section ?? 'settings';
  const errorFor = (which: ServerSection) => (section === which ? props.error : undefined);
  const allows = (permission: Server['permissions'][number]) => server.permissions.includes(permission);
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
        <StatusSection
          server={server}
          blueprint={props.blueprint}
          history={props.history ?? []}
          now={props.now ?? Date.now()}
          usage={props.usage}
        />
        <div class="columns">
          <PlayersSection server={server} players={props.players ?? null} error={errorFor('players')} />
          {allows('console') && (
            <MapSection
              server={server}
              addonMaps={props.addonMaps ?? []}
              focus={focus}
              error={errorFor('map')}
            />
          )}
        </div>
        {props.sourcemod !== undefined && allows('console') && (
          <SourcemodCard status={props.sourcemod} running={server.actual_state === 'running'} />
        )}
        {allows('console') && (
          <ConsoleSection
            server={server}
            lines={props.consoleLines ?? []}
            focus={focus}
            error={errorFor('console')}
          />
        )}
      </div>
      {allows('settings') && <SettingsSections {...props} error={errorFor('settings')} />}
      {props.members && (
        <MembersSection
          server={server}
          members={props.members}
          error={errorFor('members')}
          typedUsername={focus.member}
        />
      )}
      {server.access !== 'member' && (
        <form method="post" action={`/servers/${server.id}/delete`} class="danger-zone">
          <button type="submit" class="danger">
            Delete server
          </button>
          <small class="muted"> Stops it first. There is no undo.</small>
        </form>
      )}
    </Layout>
  );
}

/** The launch line (it shows the blueprint's arguments) and the settings form: for those who may change them. */
function SettingsSections(props: {
  server: Server;
  launchLine: string;
  form: ServerFormValues;
  blueprints: Blueprint[];
  error: AppError | undefined;
  placement?: boolean | undefined;
}) {
  const { server } = props;
  return (
    <>
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
          error={props.error}
          submit="Save"
          placement={props.placement}
        />
      </section>
    </>
  );
}
