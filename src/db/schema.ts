import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Table types as Kysely sees them; timestamps are ISO-8601 text on both dialects. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  blueprints: BlueprintsTable;
  servers: ServersTable;
  server_ports: ServerPortsTable;
  panel_identity: PanelIdentityTable;
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
] as const;
export type ActualState = (typeof actualStates)[number];

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: Role;
  created_at: string;
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

export type UserRow = Selectable<UsersTable>;
export type BlueprintRow = Selectable<BlueprintsTable>;
export type ServerRow = Selectable<ServersTable>;
export type NewServer = Insertable<ServersTable>;
