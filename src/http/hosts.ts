import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { type HostName, parseHost } from '../config/host-name.js';
import { AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers whatever the Host header says (health checks by address or container name). */
    anyHost?: boolean;
  }
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether a listen address (HOST) only takes connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1');
  if (address.toLowerCase() === 'localhost') return true;
  const family = isIP(address);
  return family !== 0 && loopback.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const isIpLiteral = (name: string) => isIPv4(name) || (name.startsWith('[') && isIPv6(name.slice(1, -1)));

/**
 * Which Host names the panel answers to (hardening.md, DNS rebinding): a page on evil.example whose
 * name an attacker points at 127.0.0.1 reaches the panel with `Host: evil.example`, and is refused.
 * Allowed: loopback names (any port), PUBLIC_URL's host, each ALLOWED_HOSTS entry (its port only when
 * it names one), HOST itself, and any IP literal when HOST is not loopback (an IP
 * literal cannot be rebound).
 */
export function hostAllowList(config: Pick<Config, 'host' | 'publicUrl' | 'allowedHosts'>) {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const withPort = new Set<string>();
  // HOST too: the operator chose that address or name (e.g. HOST=127.0.0.2 or HOST=panel.lan).
  const entries = [...config.allowedHosts, config.host];
  if (config.publicUrl) entries.push(new URL(config.publicUrl).hostname);
  for (const entry of entries) {
    const host = parseHost(entry);
    if (host?.port === null) names.add(host.name);
    else if (host) withPort.add(`${host.name}:${host.port}`);
  }
  const anyIp = !isLoopbackAddress(config.host);
  return (host: HostName): boolean =>
    names.has(host.name) || withPort.has(`${host.name}:${host.port}`) || (anyIp && isIpLiteral(host.name));
}

/** onRequest hook: 421 for a Host the panel does not answer to; routes marked anyHost pass. */
export function refuseUnknownHost(config: Pick<Config, 'host' | 'publicUrl' | 'allowedHosts'>) {
  const allowed = hostAllowList(config);
  // A callback hook, not an async one: every request passes here, and most pass at once.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (request.routeOptions.config.anyHost) return done();
    // request.host follows X-Forwarded-Host only with TRUST_PROXY: the name the browser used.
    const host = parseHost(request.host);
    if (host && allowed(host)) return done();
    const name = host?.name ?? request.host;
    done(new AppError(421, `unknown host ${name}: set PUBLIC_URL or ALLOWED_HOSTS`));
  };
}
