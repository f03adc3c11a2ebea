/**
 * What an audit entry's detail may hold. Routes name the body fields they record (an allow-list);
 * this is the second line: keys that name a secret are dropped whatever a route says, and a cvar or
 * argument whose name holds "password" (`sv_password "x"`, `+rcon_password x`) keeps its name only.
 */

/** Keys never recorded: passwords, tokens, secrets, codes, webhook URLs. */
const SECRET_KEY = /pass|token|secret|(^|_)codes?($|_)|ur[li]|otpauth|qr_|(^|_)key($|_)/i;
/** `name value` or `name "value"` where the name holds "password": the value goes. */
const PASSWORD_SETTING = /([+-]?\w*password\w*)(\s+|=)("[^"]*"|\S+)/gi;
const MAX_TEXT = 2_000;
const MAX_ITEMS = 100;

/** Text with the value of every password setting (`rcon_password "x"`, `+sv_password x`) replaced by ***. */
export function hidePasswordSettings(text: string): string {
  return text.replace(PASSWORD_SETTING, '$1$2***');
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return hidePasswordSettings(value).slice(0, MAX_TEXT);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (depth > 4) return '…';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => scrubValue(item, depth + 1));
  if (typeof value === 'object') return scrubObject(value as Record<string, unknown>, depth + 1);
  return String(value);
}

function scrubObject(detail: Record<string, unknown>, depth: number): Record<string, unknown> {
  const kept = Object.entries(detail).filter(([key, value]) => !SECRET_KEY.test(key) && value !== undefined);
  return Object.fromEntries(kept.map(([key, value]) => [key, scrubValue(value, depth)]));
}

/** The detail as stored: no secret-named key, no password value, bounded in size. */
export function scrubDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(detail, 0);
}

/** The named fields of a request body, as sent (the route's allow-list). */
export function pickFields(body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const source = body as Record<string, unknown>;
  return Object.fromEntries(
    fields.filter((field) => Object.hasOwn(source, field)).map((f) => [f, source[f]]),
  );
}

/** Bookkeeping that changes with every update, never what the user changed. */
const unchangedByUsers = new Set(['id', 'created_at', 'updated_at']);

/** The fields whose values differ (the given ones, or all but id and times), each as {from, to}. */
export function changedFields(
  before: object,
  after: object,
  fields?: readonly string[],
): Record<string, { from: unknown; to: unknown }> {
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const names = fields ?? Object.keys(now).filter((name) => !unchangedByUsers.has(name));
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const name of names) {
    if (JSON.stringify(was[name]) !== JSON.stringify(now[name]))
      changed[name] = { from: was[name], to: now[name] };
  }
  return changed;
}
