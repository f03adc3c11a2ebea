import { isIPv6 } from 'node:net';

/** A Host header or an ALLOWED_HOSTS entry: a lower-case name (IPv6 in brackets) and maybe a port. */
export interface HostName {
  name: string;
  port: number | null;
}

const hostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?)(?::(\d{1,5}))?$/;

/** Parses `name`, `name:port`, `1.2.3.4`, `[::1]:8080` (and a bare IPv6 address); null if malformed. */
export function parseHost(text: string): HostName | null {
  const lower = text.trim().toLowerCase();
  if (isIPv6(lower)) return { name: `[${lower}]`, port: null };
  const match = hostPattern.exec(lower);
  if (!match?.[1]) return null;
  const name = match[1];
  if (name.startsWith('[') && !isIPv6(name.slice(1, -1))) return null;
  const port = match[3] === undefined ? null : Number(match[3]);
  if (port !== null && port > 65535) return null;
  return { name, port };
}
