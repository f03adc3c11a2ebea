import { z } from 'zod';
import { AppError } from '../http/errors.js';
import { type BodySource, nameField, parseBody, refusedBy, wholeNumberField } from '../http/input.js';
import { consoleCommandProblem } from '../launch/grammar.js';
import { cronProblem, timezoneProblem } from './cron.js';

export const taskActions = ['restart', 'start', 'stop', 'update', 'command', 'say'] as const;
export type TaskAction = (typeof taskActions)[number];
export const playerPolicies = ['skip', 'wait', 'force'] as const;
export type PlayerPolicy = (typeof playerPolicies)[number];

/** One step of a run: what to do, when (seconds after the run's start) and, for command and say, what. */
export interface Task {
  action: TaskAction;
  offset_seconds: number;
  /** For `command` (a console command) and `say` (the message); absent for the others. */
  command?: string;
}

export const MAX_TASKS = 10;
export const MAX_OFFSET_SECONDS = 3600;
export const MAX_WAIT_MINUTES = 1440;
const MAX_SERVERS = 100;

/** What a console task sends: `say` wraps its message. */
export function taskCommand(task: Task): string {
  return task.action === 'say' ? `say ${task.command ?? ''}` : (task.command ?? '');
}

/** Why one task is refused, or null (`which` names it: "task 2"). */
function taskProblem(task: Record<string, unknown>, which: string): string | null {
  const known = new Set(['action', 'offset_seconds', 'command']);
  const unknown = Object.keys(task).find((key) => !known.has(key));
  if (unknown) return `${which}: ${unknown} is not a known field`;
  if (!taskActions.includes(task.action as TaskAction))
    return `${which}: action must be one of ${taskActions.join(', ')}`;
  const offset = task.offset_seconds;
  if (!Number.isInteger(offset) || (offset as number) < 0 || (offset as number) > MAX_OFFSET_SECONDS)
    return `${which}: offset_seconds must be a whole number from 0 to ${MAX_OFFSET_SECONDS}`;
  const takesCommand = task.action === 'command' || task.action === 'say';
  const command = task.command;
  if (!takesCommand)
    return command === undefined ? null : `${which}: only command and say tasks take a command`;
  if (typeof command !== 'string' || command.trim() === '')
    return `${which}: ${task.action === 'say' ? 'say needs the message' : 'command needs the console command'} in command`;
  if (command.length > 500) return `${which}: command must be at most 500 characters`;
  // Checked exactly as the console checks what it sends (src/launch/grammar.ts).
  const problem = consoleCommandProblem(
    taskCommand({ action: task.action as TaskAction, offset_seconds: 0, command: command.trim() }),
  );
  return problem && `${which}: ${problem}`;
}

/** The tasks as given in JSON: 1 to 10 objects, each checked (the message names the task). */
const taskList = z.array(z.unknown(), { error: 'must be an array of tasks' }).transform((items, context) => {
  if (items.length < 1 || items.length > MAX_TASKS) {
    context.addIssue({ code: 'custom', message: `must hold 1 to ${MAX_TASKS} tasks` });
    return z.NEVER;
  }
  const tasks: Task[] = [];
  for (const [index, item] of items.entries()) {
    const which = `task ${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      context.addIssue({
        code: 'custom',
        message: `${which} must be an object {action, offset_seconds, command?}`,
      });
      return z.NEVER;
    }
    const task: Record<string, unknown> = { offset_seconds: 0, ...(item as Record<string, unknown>) };
    const problem = taskProblem(task, which);
    if (problem) {
      context.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    const command = typeof task.command === 'string' ? task.command.trim() : undefined;
    tasks.push({
      action: task.action as TaskAction,
      offset_seconds: task.offset_seconds as number,
      ...(command !== undefined && { command }),
    });
  }
  return tasks;
});

/** A form's repeated field: one value, or several. */
const repeated = z
  .union([z.string(), z.array(z.string())], { error: 'must be text' })
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** The form's task rows (task_action, task_offset, task_command repeated, row by row): blank rows are dropped. */
function formTasks(actions: string[], offsets: string[], commands: string[]): unknown[] {
  return actions
    .map((action, index) => ({ action, offset: offsets[index] ?? '', command: commands[index] ?? '' }))
    .filter((row) => row.action !== '')
    .map((row) => ({
      action: row.action,
      offset_seconds: /^\d{1,9}$/.test(row.offset.trim())
        ? Number(row.offset.trim())
        : row.offset.trim() === ''
          ? 0
          : row.offset,
      ...(row.command.trim() !== '' && { command: row.command }),
    }));
}

const boolean = (source: BodySource) =>
  source === 'json'
    ? z.boolean({ error: 'must be true or false' })
    : // A checkbox after a hidden "false": the last value wins.
      repeated
        .transform((values) => values.at(-1) ?? '')
        .pipe(
          z
            .enum(['true', 'false', 'on'], { error: 'must be true or false' })
            .transform((text) => text !== 'false'),
        );

const serverIds = (source: BodySource) => {
  const id = wholeNumberField(source, 'a server id').refine((n) => n > 0, 'must be server ids');
  const list = z.array(id, { error: 'must be an array of server ids' });
  const formId = z
    .string()
    .regex(/^\d{1,9}$/, 'must be server ids')
    .transform(Number);
  const ids =
    source === 'json' ? list : repeated.pipe(z.array(formId.refine((n) => n > 0, 'must be server ids')));
  return (ids as z.ZodType<number[]>)
    .refine((given) => given.length <= MAX_SERVERS, `must name at most ${MAX_SERVERS} servers`)
    .transform((given) => [...new Set(given)]);
};

/** POST /schedules (JSON, or the page's form), every field; PATCH takes any of them. */
export const scheduleSchema = (source: BodySource) =>
  z.strictObject({
    name: nameField(128),
    cron: z.string({ error: 'must be text' }).trim().superRefine(refusedBy(cronProblem)),
    timezone: z
      .string({ error: 'must be text' })
      .trim()
      .superRefine(refusedBy(timezoneProblem))
      .optional()
      .describe('An IANA time zone (default UTC)'),
    server_ids: serverIds(source),
    tasks:
      source === 'json'
        ? taskList
        : z
            .string({ error: 'must be a JSON array of tasks' })
            .transform((text, context) => {
              try {
                return JSON.parse(text) as unknown;
              } catch {
                context.addIssue({ code: 'custom', message: 'must be a JSON array of tasks' });
                return z.NEVER;
              }
            })
            .pipe(taskList)
            .optional(),
    when_players: z
      .enum(playerPolicies, { error: `must be one of ${playerPolicies.join(', ')}` })
      .optional()
      .describe('skip (default), wait, or force'),
    max_wait_minutes: wholeNumberField(source, `a whole number of minutes from 0 to ${MAX_WAIT_MINUTES}`)
      .refine((n) => n <= MAX_WAIT_MINUTES, `must be a whole number of minutes from 0 to ${MAX_WAIT_MINUTES}`)
      .optional()
      .describe('How long `wait` waits for empty servers (default 30)'),
    enabled: boolean(source).optional().describe('Default true'),
    // The page's task rows (forms only).
    ...(source === 'form' && {
      task_action: repeated.optional(),
      task_offset: repeated.optional(),
      task_command: repeated.optional(),
    }),
  });

/** What a schedule is made of, checked. */
export interface ScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  server_ids: number[];
  tasks: Task[];
  when_players: PlayerPolicy;
  max_wait_minutes: number;
  enabled: boolean;
}

const schemas = {
  json: { full: scheduleSchema('json'), partial: scheduleSchema('json').partial() },
  form: { full: scheduleSchema('form'), partial: scheduleSchema('form').partial() },
};

type ParsedForm = Partial<z.output<ReturnType<typeof scheduleSchema>>> & {
  task_action?: string[];
  task_offset?: string[];
  task_command?: string[];
};

/** The form's task rows as the tasks field (when the form sent rows rather than JSON). */
function withFormTasks(body: unknown, source: BodySource): unknown {
  if (source !== 'form' || typeof body !== 'object' || body === null) return body;
  const { task_action, task_offset, task_command, ...rest } = body as Record<string, unknown>;
  if (task_action === undefined || 'tasks' in rest) return body;
  const list = (value: unknown) =>
    Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
  return {
    ...rest,
    tasks: JSON.stringify(formTasks(list(task_action), list(task_offset), list(task_command))),
  };
}

/** POST /schedules: every field checked; the defaults filled in. */
export function parseNewSchedule(body: unknown, source: BodySource): ScheduleInput {
  const input = parseBody(schemas[source].full, withFormTasks(body, source)) as ParsedForm;
  if (!input.tasks) throw new AppError(400, 'tasks: is required', { tasks: 'is required' });
  return {
    name: input.name as string,
    cron: input.cron as string,
    timezone: input.timezone || 'UTC',
    server_ids: input.server_ids ?? [],
    tasks: input.tasks,
    when_players: input.when_players ?? 'skip',
    max_wait_minutes: input.max_wait_minutes ?? 30,
    enabled: input.enabled ?? true,
  };
}

/** PATCH /schedules/:id (or its form): any subset of the fields. */
export function parseScheduleChange(body: unknown, source: BodySource): Partial<ScheduleInput> {
  const input = parseBody(schemas[source].partial, withFormTasks(body ?? {}, source)) as ParsedForm;
  const { task_action: _a, task_offset: _o, task_command: _c, ...change } = input;
  return {
    ...change,
    ...(change.timezone === '' && { timezone: 'UTC' }),
  } as Partial<ScheduleInput>;
}

/** GET /schedules/preview: the next runs of a cron as typed. */
export const previewSchema = z.strictObject({
  cron: z.string({ error: 'must be text' }).trim().superRefine(refusedBy(cronProblem)),
  timezone: z
    .string({ error: 'must be text' })
    .trim()
    .superRefine(refusedBy((zone: string) => (zone === '' ? null : timezoneProblem(zone))))
    .optional(),
});

export function parsePreview(query: unknown): { cron: string; timezone: string } {
  const { cron, timezone } = parseBody(previewSchema, query ?? {});
  return { cron, timezone: timezone || 'UTC' };
}
