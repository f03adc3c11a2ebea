/**
 * Valve's text KeyValues ("VDF"), as SteamCMD prints `app_info_print` and writes app manifests
 * (`appmanifest_222860.acf`): quoted or bare keys, string values or `{ ... }` blocks, `//` comments,
 * `\"`-style escapes and platform conditions such as `[$WIN32]` after a value (ignored).
 */
export interface VdfObject {
  [key: string]: string | VdfObject;
}

export class VdfError extends Error {}

type Token =
  | { kind: 'string'; text: string; end: number }
  | { kind: 'open'; end: number }
  | { kind: 'close'; end: number };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"' };

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\r' || char === '\n';
}

/** The token starting at or after `at`, or null at the end of the text. */
function nextToken(text: string, at: number): Token | null {
  let i = at;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (isSpace(char)) i++;
    else if (text.startsWith('//', i)) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? text.length : newline + 1;
    } else break;
  }
  if (i >= text.length) return null;
  const char = text[i];
  if (char === '{') return { kind: 'open', end: i + 1 };
  if (char === '}') return { kind: 'close', end: i + 1 };
  if (char === '"') {
    let value = '';
    for (let j = i + 1; j < text.length; j++) {
      const c = text[j] ?? '';
      if (c === '"') return { kind: 'string', text: value, end: j + 1 };
      if (c === '\\' && j + 1 < text.length) {
        const next = text[j + 1] ?? '';
        value += ESCAPES[next] ?? `\\${next}`;
        j++;
      } else value += c;
    }
    throw new VdfError('unterminated string');
  }
  let j = i;
  while (j < text.length && !isSpace(text[j] ?? '') && !'{}"'.includes(text[j] ?? '')) j++;
  return { kind: 'string', text: text.slice(i, j), end: j };
}

function isCondition(token: Token | null): boolean {
  return token?.kind === 'string' && /^\[.*\]$/.test(token.text);
}

/** Parses `key value` / `key { ... }` pairs from `at` until a `}` (nested) or the end (top level). */
function parsePairs(text: string, at: number, nested: boolean): { object: VdfObject; end: number } {
  const object: VdfObject = {};
  let position = at;
  for (;;) {
    const key = nextToken(text, position);
    if (key === null) {
      if (nested) throw new VdfError('missing }');
      return { object, end: position };
    }
    if (key.kind === 'close') {
      if (!nested) throw new VdfError('unexpected }');
      return { object, end: key.end };
    }
    if (key.kind === 'open') throw new VdfError('a block without a key');
    const value = nextToken(text, key.end);
    if (value === null || value.kind === 'close') throw new VdfError(`no value for "${key.text}"`);
    if (value.kind === 'open') {
      const inner = parsePairs(text, value.end, true);
      object[key.text] = inner.object;
      position = inner.end;
    } else {
      object[key.text] = value.text;
      position = value.end;
    }
    const after = nextToken(text, position);
    if (isCondition(after) && after) position = after.end;
  }
}

/** The whole text as KeyValues; throws VdfError when it is malformed. */
export function parseVdf(text: string): VdfObject {
  return parsePairs(text, 0, false).object;
}

/**
 * The first `"key" { ... }` block of a text that holds other things around it (SteamCMD's banner
 * before `app_info_print`'s VDF, `Unloading Steam API...OK` after it), or null when there is none.
 */
export function findVdfBlock(text: string, key: string): VdfObject | null {
  const start = new RegExp(`^[ \\t]*"${key.replace(/[^\w]/g, '\\$&')}"[ \\t]*\\r?$`, 'm').exec(text);
  if (!start) return null;
  const open = nextToken(text, start.index + start[0].length);
  if (open?.kind !== 'open') return null;
  try {
    return parsePairs(text, open.end, true).object;
  } catch {
    return null;
  }
}

/** Looks a path of keys up case-insensitively (KeyValues keys are), or undefined. */
export function vdfGet(object: VdfObject, ...path: string[]): string | VdfObject | undefined {
  let current: string | VdfObject | undefined = object;
  for (const key of path) {
    if (current === undefined || typeof current === 'string') return undefined;
    const lower = key.toLowerCase();
    const found: string | undefined = Object.keys(current).find((name) => name.toLowerCase() === lower);
    current = found === undefined ? undefined : current[found];
  }
  return current;
}

/** The first block named `key` anywhere below `object` (depth first), or undefined. */
export function vdfFind(object: VdfObject, key: string): VdfObject | undefined {
  const direct = vdfGet(object, key);
  if (direct !== undefined && typeof direct !== 'string') return direct;
  for (const value of Object.values(object)) {
    if (typeof value === 'string') continue;
    const found = vdfFind(value, key);
    if (found) return found;
  }
  return undefined;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** Writes `"key" { ... }` with tabs, as Steam writes manifests and prints app info. */
export function formatVdf(key: string, object: VdfObject, depth = 0): string {
  const indent = '\t'.repeat(depth);
  const lines = [`${indent}${quote(key)}`, `${indent}{`];
  for (const [name, value] of Object.entries(object)) {
    if (typeof value === 'string') lines.push(`${indent}\t${quote(name)}\t\t${quote(value)}`);
    else lines.push(formatVdf(name, value, depth + 1).replace(/\n$/, ''));
  }
  lines.push(`${indent}}`);
  return `${lines.join('\n')}\n`;
}
