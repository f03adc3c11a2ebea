import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/login-limiter.js';

describe('the login limiter', () => {
  const now = 1_000_000;

  it('refuses a sixth try at one account from one address, and says for how long', () => {
    const limiter = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) limiter.recordFailure('10.0.0.1', 'alice', now);
    expect(limiter.retryAfter('10.0.0.1', 'alice', now)).toBe(60);
    expect(limiter.retryAfter('10.0.0.1', 'alice', now + 60_000)).toBe(0);
  });

  it('does not let one address lock an account out for everyone else', () => {
    const limiter = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) limiter.recordFailure('10.0.0.1', 'alice', now);
    expect(limiter.retryAfter('10.0.0.2', 'alice', now)).toBe(0);
  });

  it('keeps usernames apart by case, as accounts are', () => {
    const limiter = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) limiter.recordFailure('10.0.0.1', 'BOB', now);
    expect(limiter.retryAfter('10.0.0.1', 'bob', now)).toBe(0);
  });

  it('limits one address trying many accounts', () => {
    const limiter = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 20; i++) limiter.recordFailure('10.0.0.1', `user${i}`, now);
    expect(limiter.retryAfter('10.0.0.1', 'someone-else', now)).toBeGreaterThan(0);
    expect(limiter.retryAfter('10.0.0.2', 'someone-else', now)).toBe(0);
  });

  it("forgets an account's failures after a successful login", () => {
    const limiter = new LoginLimiter(5, 60_000);
    for (let i = 0; i < 4; i++) limiter.recordFailure('10.0.0.1', 'alice', now);
    limiter.recordSuccess('10.0.0.1', 'alice');
    limiter.recordFailure('10.0.0.1', 'alice', now);
    expect(limiter.retryAfter('10.0.0.1', 'alice', now)).toBe(0);
  });
});
