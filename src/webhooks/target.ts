/**
 * Where a webhook may point (design/operations.md): http or https, and unless ALLOW_PRIVATE_WEBHOOKS,
 * never an address on the loopback, a private or shared network, a link-local or multicast one (the
 * panel would otherwise be a way into its own network). The check is made on the addresses the name
 * resolves to when the webhook is saved, and again at every delivery on the very address connected
 * to (`guardedLookup`): a name that resolves elsewhere later (DNS rebinding) is refused then.
 */
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../http/errors.js';

export const PRIVATE_TARGET = 'webhook target is a private address';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(network, prefix, 'ipv6');

/** Whether an address is loopback, private, link-local, multicast or otherwise not on the internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address inside IPv6 (::ffff:127.0.0.1, ::127.0.0.1, 64:ff9b::7f00:1) is judged as IPv4.
  const mapped = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPrivateAddress(mapped);
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [Number.parseInt(hex[1] ?? '0', 16), Number.parseInt(hex[2] ?? '0', 16)];
    return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return blocked.check(address, 'ipv6');
}

/** The URL if it is one a webhook may use (http or https, a host, no credentials), else a 400 naming `url`. */
export function parseTargetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(400, 'url: must be an http or https URL', { url: 'must be an http or https URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError(400, 'url: must be an http or https URL', { url: 'must be an http or https URL' });
  if (url.username || url.password)
    throw new AppError(400, 'url: must not hold a user name or password', {
      url: 'must not hold a user name or password',
    });
  return url;
}

/** The host of a URL as DNS or an IP literal reads it ([::1] without brackets). */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** Every address the host resolves to (an IP literal is itself). */
async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}

/** How long the check at saving waits for DNS. */
const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * Refuses (400) a URL whose host resolves to a private address (any of them: a name with one public
 * and one private address is refused), unless private targets are allowed. A name that does not
 * resolve now (no DNS here, not yet published) is accepted: every delivery checks what it connects to.
 */
export async function checkTarget(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    addressesOf(hostOf(url)).catch(() => [] as string[]),
    new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (addresses.some(isPrivateAddress)) throw new AppError(400, PRIVATE_TARGET, { url: PRIVATE_TARGET });
}

/**
 * A `lookup` for http.request that resolves as usual and refuses private addresses: the address the
 * socket connects to is the one checked, whatever the name resolved to at saving.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as dns.LookupAddress[];
      const refused =
        !allowPrivate && (list.length === 0 || list.some((entry) => isPrivateAddress(entry.address)));
      if (refused) return callback(new Error(PRIVATE_TARGET) as NodeJS.ErrnoException, '', 4);
      if (options.all) return callback(null, list as never);
      const first = list[0] as dns.LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** What pages and JSON show of a URL (its path may be a secret, as Discord's is): scheme, host, and a mask. */
export function maskUrl(url: URL): string {
  const path = url.pathname.length > 1 || url.search ? '/…' : '/';
  return `${url.protocol}//${url.host}${path}`;
}
