/**
 * Recognises a unique-constraint violation on either dialect and says which index it hit.
 * SQLite reports "UNIQUE constraint failed: table.column"; PostgreSQL reports code 23505
 * with the constraint's name. Index names are shared by both dialects (see migrations).
 */
export type UniqueIndex =
  | 'users_username_unique'
  | 'blueprints_user_name_unique'
  | 'servers_name_unique'
  | 'servers_port_unique'
  | 'server_ports_port_unique'
  | 'addons_user_workshop_unique'
  | 'install_jobs_one_running'
  | 'server_members_unique'
  | 'schedule_runs_claim_unique';

const sqliteColumns: Record<string, UniqueIndex> = {
  'users.username': 'users_username_unique',
  'blueprints.user_id, blueprints.name': 'blueprints_user_name_unique',
  'servers.name': 'servers_name_unique',
  'servers.port': 'servers_port_unique',
  'server_ports.port': 'server_ports_port_unique',
  'addons.user_id, addons.workshop_id': 'addons_user_workshop_unique',
  'install_jobs.state': 'install_jobs_one_running',
  'server_members.server_id, server_members.user_id': 'server_members_unique',
  'schedule_runs.schedule_id, schedule_runs.scheduled_for': 'schedule_runs_claim_unique',
};

export function uniqueViolation(error: unknown): UniqueIndex | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
  if (code === '23505' && constraint) return constraint as UniqueIndex;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = message?.replace(/^UNIQUE constraint failed: /, '') ?? '';
    return sqliteColumns[columns] ?? null;
  }
  return null;
}

/** A row is still referenced (e.g. a blueprint that a server was just created from). */
export function foreignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** A NOT NULL column got NULL (e.g. a server's blueprint, inserted only if the user may see it). */
export function notNullViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23502' || code === 'SQLITE_CONSTRAINT_NOTNULL';
}
