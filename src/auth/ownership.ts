import type { SessionUser } from './sessions.js';

/**
 * The user_id a user's look-ups are limited to, or null for admins, who see everything.
 * Another user's row is then simply not found (404), exactly like a missing one.
 */
export function ownerScope(user: SessionUser): number | null {
  return user.role === 'admin' ? null : user.id;
}
