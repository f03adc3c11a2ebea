/** The schedules page (list and "new schedule" form) and one schedule's page (edit form, run now, runs). */
import type { AppError } from '../http/errors.js';
import { ButtonForm, ErrorMessage, Field, FieldFrame, Layout, type PageContext } from '../views/layout.js';
import { MAX_TASKS, playerPolicies, taskActions } from './input.js';
import type { Run, Schedule } from './schedules.js';

/** A task row of the form, as text. */
interface TaskRow {
  action: string;
  offset: string;
  command: string;
}

/** The form as text, for re-rendering what the user typed. */
export interface ScheduleFormValues {
  name: string;
  cron: string;
  timezone: string;
  server_ids: string[];
  tasks: TaskRow[];
  when_players: string;
  max_wait_minutes: string;
  enabled: boolean;
}

/** Rows the form shows: the tasks, then blank ones up to this many. */
const FORM_ROWS = 5;

const emptyForm: ScheduleFormValues = {
  name: '',
  cron: '0 5 * * *',
  timezone: 'UTC',
  server_ids: [],
  tasks: [{ action: 'restart', offset: '0', command: '' }],
  when_players: 'wait',
  max_wait_minutes: '30',
  enabled: true,
};

export function scheduleFormValues(schedule: Schedule): ScheduleFormValues {
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    server_ids: schedule.server_ids.map(String),
    tasks: schedule.tasks.map((task) => ({
      action: task.action,
      offset: String(task.offset_seconds),
      command: task.command ?? '',
    })),
    when_players: schedule.when_players,
    max_wait_minutes: String(schedule.max_wait_minutes),
    enabled: schedule.enabled,
  };
}

/** What the user submitted (a form's strings; anything else falls back), else the fallback. */
export function submittedScheduleValues(body: unknown, fallback = emptyForm): ScheduleFormValues {
  if (typeof body !== 'object' || body === null) return fallback;
  const given = body as Record<string, unknown>;
  const list = (name: string) => {
    const value = given[name];
    return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
  };
  const text = (name: keyof ScheduleFormValues) =>
    typeof given[name] === 'string' ? (given[name] as string) : (fallback[name] as string);
  const actions = list('task_action');
  return {
    name: text('name'),
    cron: text('cron'),
    timezone: text('timezone'),
    server_ids: list('server_ids'),
    tasks: actions.length
      ? actions.map((action, index) => ({
          action,
          offset: list('task_offset')[index] ?? '',
          command: list('task_command')[index] ?? '',
        }))
      : fallback.tasks,
    when_players: text('when_players'),
    max_wait_minutes: text('max_wait_minutes'),
    enabled: list('enabled').at(-1) !== 'false',
  };
}

const when = (time: string | null) =>
  time ? <time datetime={time}>{time.replace('T', ' ').slice(0, 19)}</time> : '';

function TaskRows({ rows }: { rows: TaskRow[] }) {
  const shown = [...rows, ...Array.from({ length: Math.max(0, FORM_ROWS - rows.length) }, () => null)].slice(
    0,
    MAX_TASKS,
  );
  return (
    <fieldset class="tasks">
      <legend>Tasks (in order of their offset; blank rows are left out)</legend>
      {shown.map((row, index) => (
        <p class="task-row" key={index}>
          <label>
            Action{' '}
            <select name="task_action" aria-label={`Task ${index + 1} action`}>
              <option value="" selected={!row}>
                (none)
              </option>
              {taskActions.map((action) => (
                <option key={action} value={action} selected={row?.action === action}>
                  {action}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            After (s){' '}
            <input type="text" name="task_offset" value={row?.offset ?? '0'} size={5} inputmode="numeric" />
          </label>{' '}
          <label>
            Command or message <input type="text" name="task_command" value={row?.command ?? ''} />
          </label>
        </p>
      ))}
    </fieldset>
  );
}

function ScheduleForm(props: {
  action: string;
  submit: string;
  form: ScheduleFormValues;
  servers: { id: number; name: string }[];
  error: AppError | undefined;
  nextRuns?: string[];
}) {
  const { form, error } = props;
  const fields = error?.fields ?? {};
  return (
    <form method="post" action={props.action} class="card schedule-form" data-schedule-form>
      <ErrorMessage message={error?.message} />
      <Field label="Name" name="name" value={form.name} error={fields.name} required />
      <Field
        label="Cron"
        name="cron"
        value={form.cron}
        error={fields.cron}
        required
        hint="minute hour day month weekday, or 6 fields with seconds first: 0 5 * * * is 5:00 every day."
      />
      <Field
        label="Time zone"
        name="timezone"
        value={form.timezone}
        error={fields.timezone}
        hint="An IANA name: Europe/Berlin, America/New_York, UTC."
      />
      <p class="muted" data-next-runs aria-live="polite">
        {props.nextRuns &&
          `Next runs (UTC): ${props.nextRuns.map((at) => at.replace('T', ' ').slice(0, 19)).join(', ') || 'none'}`}
      </p>
      <fieldset>
        <legend>Servers</legend>
        {fields.server_ids && <span class="field-error">{fields.server_ids}</span>}
        {props.servers.length === 0 && <p class="empty">No server you may control.</p>}
        {props.servers.map((server) => (
          <label key={server.id} class="check">
            <input
              type="checkbox"
              name="server_ids"
              value={String(server.id)}
              checked={form.server_ids.includes(String(server.id))}
            />{' '}
            {server.name}
          </label>
        ))}
      </fieldset>
      {fields.tasks && <span class="field-error">{fields.tasks}</span>}
      <TaskRows rows={form.tasks} />
      <FieldFrame
        label="When players are on"
        name="when_players"
        error={fields.when_players}
        hint="skip: leave the server alone; wait: check every 30 s until it is empty; force: go ahead. An unknown count is never empty."
      >
        <select id="field-when_players" name="when_players">
          {playerPolicies.map((policy) => (
            <option key={policy} value={policy} selected={form.when_players === policy}>
              {policy}
            </option>
          ))}
        </select>
      </FieldFrame>
      <Field
        label="Wait at most (minutes)"
        name="max_wait_minutes"
        value={form.max_wait_minutes}
        error={fields.max_wait_minutes}
      />
      <p class="field">
        <input type="hidden" name="enabled" value="false" />
        <label class="check">
          <input type="checkbox" name="enabled" value="true" checked={form.enabled} /> Enabled
        </label>
      </p>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export function SchedulesPage(props: {
  ctx: PageContext;
  schedules: Schedule[];
  servers: { id: number; name: string }[];
  form: ScheduleFormValues;
  error?: AppError | undefined;
}) {
  const names = new Map(props.servers.map((server) => [server.id, server.name]));
  return (
    <Layout ctx={props.ctx} title="Schedules">
      <h1>Schedules</h1>
      {props.schedules.length === 0 ? (
        <p class="empty">No schedules yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cron</th>
              <th scope="col">Servers</th>
              <th scope="col">Tasks</th>
              <th scope="col">Next run (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {props.schedules.map((schedule) => (
              <tr key={schedule.id}>
                <td>
                  <a href={`/schedules/${schedule.id}`}>{schedule.name}</a>
                  {!schedule.enabled && <span class="muted"> (off)</span>}
                </td>
                <td>
                  <code>{schedule.cron}</code> {schedule.timezone}
                </td>
                <td>{schedule.server_ids.map((id) => names.get(id) ?? `#${id}`).join(', ')}</td>
                <td>{schedule.tasks.map((task) => task.action).join(' → ')}</td>
                <td>{when(schedule.next_runs[0] ?? null) || 'never'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>New schedule</h2>
      <ScheduleForm
        action="/schedules"
        submit="Create schedule"
        form={props.form}
        servers={props.servers}
        error={props.error}
      />
    </Layout>
  );
}

function RunsTable({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p class="empty">No runs yet.</p>;
  return (
    <table class="runs">
      <thead>
        <tr>
          <th scope="col">Scheduled for (UTC)</th>
          <th scope="col">Started</th>
          <th scope="col">Finished</th>
          <th scope="col">Outcome</th>
          <th scope="col">Per server</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>{when(run.scheduled_for)}</td>
            <td>{when(run.started_at)}</td>
            <td>{when(run.finished_at)}</td>
            <td>
              <strong>{run.outcome}</strong>
            </td>
            <td>
              {run.detail.map((server) => (
                <div key={server.server_id}>
                  {server.server_id ? `#${server.server_id}` : ''} {server.outcome}: {server.why}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SchedulePage(props: {
  ctx: PageContext;
  schedule: Schedule;
  runs: Run[];
  servers: { id: number; name: string }[];
  form: ScheduleFormValues;
  error?: AppError | undefined;
}) {
  const { schedule } = props;
  return (
    <Layout ctx={props.ctx} title={`Schedule ${schedule.name}`}>
      <h1>Schedule {schedule.name}</h1>
      <p>
        <ButtonForm
          action={`/schedules/${schedule.id}/run`}
          label="Run now"
          ariaLabel={`Run ${schedule.name} now`}
          class="primary"
        />{' '}
        <ButtonForm
          action={`/schedules/${schedule.id}/delete`}
          label="Delete"
          ariaLabel={`Delete ${schedule.name}`}
        />
      </p>
      <ScheduleForm
        action={`/schedules/${schedule.id}`}
        submit="Save"
        form={props.form}
        servers={props.servers}
        error={props.error}
        nextRuns={schedule.next_runs}
      />
      <h2>Runs</h2>
      <RunsTable runs={props.runs} />
    </Layout>
  );
}
