import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Table types as Kysely sees them; timestamps are ISO-8601 text on both dialects. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  blueprints: BlueprintsTable;
  servers: ServersTable;
  server_ports: ServerPortsTable;
  panel_identity: PanelIdentityTable;
  addons: AddonsTable;
  blueprint_addons: BlueprintAddonsTable;
  install_jobs: InstallJobsTable;
  install_job_lines: InstallJobLinesTable;
  install_status: InstallStatusTable;
  api_tokens: ApiTokensTable;
  user_totp: UserTotpTable;
  recovery_codes: RecoveryCodesTable;
  server_members: ServerMembersTable;
  schedules: SchedulesTable;
  schedule_servers: ScheduleServersTable;
  schedule_runs: ScheduleRunsTable;
  webhooks: WebhooksTable;
  audit_log: AuditLogTable;
}

export type Role = 'admin' | 'user';
export const desiredStates = ['running', 'stopped'] as const;
export type DesiredState = (typeof desiredStates)[number];
export const actualStates = [
  'unknown',
  'stopped',
  'starting',
  'running',
  'stopping',
  'crashed',
  'failed',
  /** A game install or update job runs: the server waits for it (design/install.md). */
  'updating',
] as const;
export type ActualState = (typeof actualStates)[number];

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: Role;
  created_at: string;
  /** When an admin disabled the account; null while it may sign in. */
  disabled_at: string | null;
}

export interface SessionsTable {
  /** sha256 (hex) of the cookie token: the raw token is never stored. */
  id: string;
  user_id: number;
  created_at: string;
  expires_at: string;
}

export interface BlueprintsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** JSON array of strings. */
  arguments: string;
  /** JSON array of strings. */
  config: string;
  /** Cores the server may use under the docker and swarm runtimes (e.g. 1.5); null: no limit. */
  cpu_limit: ColumnType<number | null, number | null | undefined, number | null>;
  /** Memory the server may use under the docker and swarm runtimes, in MB; null: no limit. */
  memory_limit_mb: ColumnType<number | null, number | null | undefined, number | null>;
  /** JSON {enabled, admins: [{steamid, flags, name}]}; its plugins are rows of blueprint_addons. */
  sourcemod: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface ServersTable {
  id: Generated<number>;
  user_id: number;
  blueprint_id: number;
  name: string;
  port: number;
  desired_state: DesiredState;
  actual_state: ActualState;
  last_error: string;
  /** Per-server RCON password written to the generated cfg; never shown in pages or JSON. */
  rcon_password: string;
  /** The swarm node it runs on: nodes labelled `l4d2web.node=<node>`; '' = any. */
  node: Generated<string>;
  /** 1 when the blueprint's addons changed since the server was launched; the next launch clears it. */
  restart_required: Generated<number>;
  created_at: string;
  updated_at: string;
}

/** Every port a server binds (game and client), unique across all servers. */
export interface ServerPortsTable {
  port: number;
  server_id: number;
  purpose: 'game' | 'client';
}

/** This database's panel id (one row): the `l4d2web.panel` label of its containers and services. */
export interface PanelIdentityTable {
  singleton: number;
  panel_id: string;
}

export const addonKinds = ['workshop', 'vpk', 'sourcemod', 'metamod', 'plugin'] as const;
export type AddonKindName = (typeof addonKinds)[number];
export const addonStates = ['queued', 'downloading', 'ready', 'failed'] as const;
export type AddonState = (typeof addonStates)[number];

export interface AddonsTable {
  id: Generated<number>;
  user_id: number;
  kind: AddonKindName;
  /** The Workshop item's id (digits), or null for uploads. */
  workshop_id: string | null;
  title: string;
  /** The name servers see (one dot). */
  filename: string;
  size: number;
  /** Steam's time_updated (unix seconds) of the stored file; 0 for uploads. */
  time_updated: number;
  state: AddonState;
  percent: Generated<number>;
  error: Generated<string>;
  /** SHA-256 of the stored content ('' until stored): its file or tree in $DATA_DIR/addons/. */
  content_key: Generated<string>;
  /** JSON array of the map names inside a VPK. */
  maps: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** An addon a blueprint uses: `addon` (VPKs, SourceMod, Metamod:Source) or `plugin`, in order. */
export interface BlueprintAddonsTable {
  blueprint_id: number;
  addon_id: number;
  role: 'addon' | 'plugin';
  position: number;
}

/** One SteamCMD job (design/install.md); at most one is `running`. */
export interface InstallJobsTable {
  id: Generated<number>;
  kind: 'install' | 'update';
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  phase: 'bootstrap' | 'download' | 'verify' | 'done';
  percent: number;
  bytes_done: number;
  bytes_total: number;
  /** SteamCMD runs so far (network retries and the bootstrap retry each count). */
  attempts: number;
  error: string;
  /** 0 once SteamCMD began moving files into the install: the old files may no longer be whole. */
  files_intact: number;
  started_at: string;
  finished_at: string | null;
}

/** What a job's SteamCMD printed, line by line, kept with the job. */
export interface InstallJobLinesTable {
  id: Generated<number>;
  job_id: number;
  line: string;
}

/** One row (id 1): what the last update check learned from Steam. */
export interface InstallStatusTable {
  id: number;
  remote_buildid: string | null;
  checked_at: string | null;
}

export type TokenScope = 'read' | 'write';

/** API tokens: only the sha256 of the token is kept (a leaked database leaks no usable token). */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  scope: TokenScope;
  token_hash: string;
  created_at: string;
  /** Null: never expires. */
  expires_at: string | null;
  last_used_at: string | null;
}

/** A user's two-factor secret: pending until confirmed (enabled_at), encrypted with DATA_DIR's key. */
export interface UserTotpTable {
  user_id: number;
  /** AES-256-GCM ciphertext (src/auth/secret-key.ts), never the secret itself. */
  secret: string;
  enabled_at: string | null;
  /** JSON array of the time steps whose codes signed in lately: a code works once (RFC 6238, 5.2). */
  used_steps: Generated<string>;
  created_at: string;
}

/** One-time recovery codes of a two-factor account: sha256 of each, used_at once spent. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: string | null;
}

/** A user a server is shared with, and what they may do besides view it. */
export interface ServerMembersTable {
  server_id: number;
  user_id: number;
  /** Comma-separated, from `control`, `console`, `settings` (`view` is implied). */
  permissions: string;
  created_at: string;
}

/** A schedule (design/operations.md); its servers are in schedule_servers. */
export interface SchedulesTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** 5 fields, or 6 with seconds first. */
  cron: string;
  /** An IANA time zone name. */
  timezone: string;
  /** JSON array of tasks ({action, offset_seconds, command?}). */
  tasks: string;
  when_players: 'skip' | 'wait' | 'force';
  max_wait_minutes: number;
  /** 1 or 0. */
  enabled: number;
  /** The scheduler has dealt with every run due up to this time (ran it, or recorded it missed). */
  checked_until: string;
  created_at: string;
  updated_at: string;
}

export interface ScheduleServersTable {
  schedule_id: number;
  server_id: number;
}

export const runOutcomes = ['done', 'skipped', 'forced', 'failed', 'missed', 'waiting'] as const;
export type RunOutcome = (typeof runOutcomes)[number];

/** One run of a schedule: unique per (schedule_id, scheduled_for), which is how a panel claims it. */
export interface ScheduleRunsTable {
  id: Generated<number>;
  schedule_id: number;
  scheduled_for: string;
  /** 1 for "run now". */
  manual: number;
  /** Null while a run-now waits for the supervising panel to pick it up. */
  started_at: string | null;
  finished_at: string | null;
  outcome: RunOutcome;
  /** JSON array: per server, what happened and why. */
  detail: string;
}

/** A webhook for alerts; the URL is a secret (Discord's is), stored encrypted. */
export interface WebhooksTable {
  id: Generated<number>;
  user_id: number;
  /** AES-256-GCM with DATA_DIR's key (src/auth/secret-key.ts). */
  url_sealed: string;
  url_masked: string;
  format: 'discord' | 'json';
  /** Comma-separated event names. */
  events: string;
  created_at: string;
  last_delivery_at: string | null;
  /** The HTTP status of the last delivery, or null when it got none. */
  last_status: number | null;
  /** Why the last delivery failed ('' when it did not). */
  last_error: string;
}

/** The audit log: append-only (an UPDATE is refused by a trigger). */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  user_id: number | null;
  username: string;
  ip: string;
  action: string;
  target_type: string | null;
  target_id: number | null;
  /** JSON object: what changed; never a secret. */
  detail: string;
}

export type UserRow = Selectable<UsersTable>;
export type BlueprintRow = Selectable<BlueprintsTable>;
export type ServerRow = Selectable<ServersTable>;
export type NewServer = Insertable<ServersTable>;
export type AddonRow = Selectable<AddonsTable>;
