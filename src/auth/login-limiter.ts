import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';

/**
 * Counts failed logins per (client address, username) and per client address; past the limit
 * within the window, further attempts are refused (429) without checking the password. Counting
 * per username alone would let anyone lock any account out from elsewhere. Successful logins are
 * never counted, so a busy admin is not locked out by their own sign-ins. Behind a reverse proxy,
 * set TRUST_PROXY so the address is the client's, not the proxy's.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((time) => now - time < this.windowMs);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  private keys(ip: string, username: string): string[] {
    return [`ip:${ip}`, `pair:${ip}\n${username}`];
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfter(ip: string, username: string, now = Date.now()): number {
    let wait = 0;
    for (const key of this.keys(ip, username)) {
      const times = this.recent(key, now);
      // The per-address limit is looser: several people may share one address.
      const limit = key.startsWith('ip:') ? this.maxFailures * 4 : this.maxFailures;
      const oldest = times[times.length - limit];
      if (times.length >= limit && oldest !== undefined) {
        wait = Math.max(wait, Math.ceil((oldest + this.windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(ip: string, username: string, now = Date.now()): void {
    // Forget stale entries now and then, so guessing many usernames cannot grow memory for ever.
    if (this.failures.size > 10_000) for (const key of [...this.failures.keys()]) this.recent(key, now);
    for (const key of this.keys(ip, username)) this.failures.set(key, [...this.recent(key, now), now]);
  }

  recordSuccess(ip: string, username: string): void {
    this.failures.delete(`pair:${ip}\n${username}`);
  }
}

/** 429, with Retry-After, while this address (or this address and account) failed too often. */
export function refuseWhileLimited(
  limiter: LoginLimiter,
  request: FastifyRequest,
  reply: FastifyReply,
  username: string,
): void {
  const wait = limiter.retryAfter(request.ip, username);
  if (wait <= 0) return;
  reply.header('retry-after', String(wait));
  throw new AppError(429, `too many failed logins, try again in ${wait} seconds`);
}
