import type { Addon } from '../addons/library.js';
import { BlueprintAddonFields, type BlueprintAddonValues, noBlueprintAddonValues } from '../addons/views.js';
import type { AppError } from '../http/errors.js';
import { Field, FormCard, Layout, type PageContext, TextAreaField } from '../views/layout.js';
import { StateBadge } from '../views/state-badge.js';
import { submittedValues } from '../views/submitted.js';
import type { Blueprint } from './blueprints.js';

/** What the blueprint form shows: the user's own text, kept across a failed submit. */
export interface BlueprintFormValues extends BlueprintAddonValues {
  name: string;
  arguments: string;
  config: string;
  cpu_limit: string;
  memory_limit_mb: string;
}

export function blueprintFormValues(blueprint: Blueprint): BlueprintFormValues {
  const { sourcemod } = blueprint;
  return {
    name: blueprint.name,
    arguments: blueprint.arguments.join('\n'),
    config: blueprint.config.join('\n'),
    cpu_limit: blueprint.cpu_limit === null ? '' : String(blueprint.cpu_limit),
    memory_limit_mb: blueprint.memory_limit_mb === null ? '' : String(blueprint.memory_limit_mb),
    addons: blueprint.addons.join(' '),
    sourcemod_enabled: String(sourcemod.enabled),
    sourcemod_admins: sourcemod.admins.map((a) => [a.steamid, a.flags, a.name].join(' ').trim()).join('\n'),
    sourcemod_plugins: sourcemod.plugins.join(' '),
  };
}

/** The user's input as they sent it, whatever its types, for re-rendering a form. */
export function submittedBlueprintValues(body: unknown, fallback: BlueprintFormValues): BlueprintFormValues {
  return submittedValues(body, fallback, (value) =>
    typeof value === 'string'
      ? value
      : Array.isArray(value)
        ? value.join('\n')
        : typeof value === 'number'
          ? String(value)
          : undefined,
  );
}

export const emptyBlueprintForm: BlueprintFormValues = {
  name: '',
  arguments: '',
  config: '',
  ...noBlueprintAddonValues,
  cpu_limit: '',
  memory_limit_mb: '',
};

/** "1.5 cores, 2048 MB" or "no limits". */
export function describeLimits(blueprint: Pick<Blueprint, 'cpu_limit' | 'memory_limit_mb'>): string {
  const limits = [
    blueprint.cpu_limit !== null && `${blueprint.cpu_limit} ${blueprint.cpu_limit === 1 ? 'core' : 'cores'}`,
    blueprint.memory_limit_mb !== null && `${blueprint.memory_limit_mb} MB`,
  ].filter(Boolean);
  return limits.length ? limits.join(', ') : 'no limits';
}

function BlueprintForm(props: {
  action: string;
  values: BlueprintFormValues;
  library: Addon[];
  error?: AppError | undefined;
  submit: string;
}) {
  const fields = props.error?.fields;
  return (
    <FormCard action={props.action} error={props.error?.message} submit={props.submit}>
      <Field label="Name" name="name" value={props.values.name} error={fields?.name} required />
      <TextAreaField
        label="Launch arguments"
        name="arguments"
        value={props.values.arguments}
        error={fields?.arguments}
        hint={
          'One per line: an option (+name or -name) and its values, e.g. +map c1m1_hotel or -tickrate 60. ' +
          'Printable ASCII without ; quotes \\ ` * ? or "..". The panel sets -game, the ports, -ip, ' +
          'rcon and +exec itself, and runs srcds_run (no -binary, -debug, -pidfile, -autoupdate...).'
        }
      />
      <TextAreaField
        label="server.cfg lines"
        name="config"
        value={props.values.config}
        error={fields?.config}
        rows={10}
        hint={
          'One per line: a name and its values, e.g. hostname "My server" or sv_maxplayers 8, or a // comment. ' +
          'Printable ASCII, balanced double quotes, no ; outside quotes, no "..". Not allowed: exec, the ' +
          'RCON password and sv_rcon_* settings, ip, hostport, clientport, and commands that quit or write files.'
        }
      />
      <Field
        label="CPU limit (cores)"
        name="cpu_limit"
        value={props.values.cpu_limit}
        error={fields?.cpu_limit}
        hint="e.g. 1.5; from 0.1 to 256, empty for none. Applied by the docker and swarm runtimes (RUNTIME), at the next start."
      />
      <Field
        label="Memory limit (MB)"
        name="memory_limit_mb"
        value={props.values.memory_limit_mb}
        error={fields?.memory_limit_mb}
        hint={
          'e.g. 2048; from 64 to 1048576, empty for none. A server that needs more is killed by the kernel ' +
          '(last error "killed: out of memory"). Applied by the docker and swarm runtimes, at the next start.'
        }
      />
      <BlueprintAddonFields library={props.library} values={props.values} errors={fields} />
    </FormCard>
  );
}

export function BlueprintsPage(props: {
  ctx: PageContext;
  blueprints: Blueprint[];
  library: Addon[];
  form: BlueprintFormValues;
  error?: AppError | undefined;
}) {
  return (
    <Layout ctx={props.ctx} title="Blueprints">
      <h1>Blueprints</h1>
      <p>
        A blueprint is a reusable set of launch arguments and server.cfg lines; servers are created from one.
      </p>
      {props.blueprints.length === 0 ? (
        <p class="empty">No blueprints yet.</p>
      ) : (
        <ul class="list">
          {props.blueprints.map((blueprint) => (
            <li key={blueprint.id}>
              <a href={`/blueprints/${blueprint.id}`}>{blueprint.name}</a>{' '}
              <small>
                {blueprint.arguments.length} arguments, {blueprint.config.length} cfg lines,{' '}
                {describeLimits(blueprint)}, {blueprint.addons.length} addons
                {blueprint.sourcemod.enabled ? ', SourceMod' : ''}
              </small>
            </li>
          ))}
        </ul>
      )}
      <h2>New blueprint</h2>
      <BlueprintForm
        action="/blueprints"
        values={props.form}
        library={props.library}
        error={props.error}
        submit="Create blueprint"
      />
    </Layout>
  );
}

/** What a blueprint saved before today's rules must change; its servers do not start until then. */
function RuleProblems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <section class="error" role="alert" id="rule-problems">
      <p>
        This blueprint breaks the panel's rules for launch arguments and cfg lines. Servers built from it will
        not start until you change:
      </p>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </section>
  );
}

export function BlueprintPage(props: {
  ctx: PageContext;
  blueprint: Blueprint;
  problems: string[];
  servers: { id: number; name: string; port: number; actual_state: string }[];
  library: Addon[];
  form: BlueprintFormValues;
  error?: AppError | undefined;
}) {
  const { blueprint } = props;
  return (
    <Layout ctx={props.ctx} title={blueprint.name}>
      <p class="crumbs">
        <a href="/blueprints">Blueprints</a> /
      </p>
      <h1>{blueprint.name}</h1>
      <RuleProblems problems={props.problems} />
      <BlueprintForm
        action={`/blueprints/${blueprint.id}`}
        values={props.form}
        library={props.library}
        error={props.error}
        submit="Save"
      />
      <h2>Servers using this blueprint</h2>
      {props.servers.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <ul class="list">
          {props.servers.map((server) => (
            <li key={server.id}>
              <a href={`/servers/${server.id}`}>{server.name}</a> <small>port {server.port}</small>{' '}
              <StateBadge state={server.actual_state} />
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={`/blueprints/${blueprint.id}/delete`} class="danger-zone">
        <button type="submit" class="danger">
          Delete blueprint
        </button>
      </form>
    </Layout>
  );
}
