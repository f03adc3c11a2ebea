import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { changedFields } from '../audit/detail.js';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import { removeTotp } from '../auth/totp.js';
import {
  changeUser,
  createUser,
  generatePassword,
  getUser,
  listUsers,
  setPassword,
  type UserListItem,
} from '../auth/users.js';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { notFound } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { parseNewUser, parseUserChange } from './input.js';
import { UsersPage, type UsersShown } from './views.js';

/**
 * The admin's users page and its JSON routes: create accounts, disable and enable them (a disabled
 * user's sessions, streams and tokens stop at once), change roles, reset passwords (shown once), and
 * turn off a user's two-factor sign-in. Others get 404, as for a page that is not there.
 */
export function registerUserRoutes(app: FastifyInstance, { database, sessions }: RouteDeps) {
  const { db } = database;
  const adminOnly = (request: FastifyRequest) => {
    if (currentUser(request).role !== 'admin') throw notFound('page');
  };
  const userId = (request: IdRequest) => routeId(request.params.id, 'user');
  const usersPage = async (request: FastifyRequest, shown: UsersShown = {}) =>
    UsersPage({ ctx: pageContext(request), users: await listUsers(db), me: currentUser(request).id, shown });

  app.get('/users', async (request, reply) => {
    adminOnly(request);
    if (wantsJson(request)) return { users: await listUsers(db) };
    return sendPage(request, reply, await usersPage(request));
  });

  app.post('/users', audited({ action: 'user.create', target: 'user' }), async (request, reply) => {
    adminOnly(request);
    request.formOnError = (error) =>
      usersPage(request, { createError: error, typedUsername: typedText(request.body, 'username') });
    const input = parseNewUser(request.body);
    const user = await createUser(db, input, input.role ?? 'user');
    noteAudit(request, { targetId: user.id, detail: { username: user.username, role: user.role } });
    return sendDone(request, reply, {
      status: 201,
      body: { id: user.id },
      location: '/users',
      notice: `Account ${user.username} created.`,
    });
  });

  const change = async (request: IdRequest, reply: FastifyReply) => {
    adminOnly(request);
    request.formOnError = (error: AppError) => usersPage(request, { changeError: error });
    const id = userId(request);
    const input = parseUserChange(request.body, bodySource(request));
    const before = await getUser(db, id);
    let user: UserListItem = await changeUser(database, id, input);
    if (input.disabled === true) {
      // Its sessions go, and every stream ends now; its tokens are refused while it stays disabled.
      await sessions.endSessions({ userId: id });
    } else if (user.role !== before.role) {
      // What the user may see changed: their streams end, and reconnect with today's rights.
      sessions.endStreams({ userId: id });
    }
    if (input.totp_enabled === false) {
      await removeTotp(db, id);
      user = await getUser(db, id);
    }
    noteAudit(request, { detail: { username: user.username, changed: changedFields(before, user) } });
    return sendDone(request, reply, {
      status: 200,
      body: user,
      location: '/users',
      notice: `Account ${user.username} saved.`,
    });
  };
  const changing = audited({ action: 'user.update', target: 'user' });
  app.patch<{ Params: { id: string } }>('/users/:id', changing, change);
  app.post<{ Params: { id: string } }>('/users/:id', changing, change);

  const resetting = audited({ action: 'user.password_reset', target: 'user' });
  app.post<{ Params: { id: string } }>('/users/:id/password', resetting, async (request, reply) => {
    adminOnly(request);
    const user = await getUser(db, userId(request));
    const password = generatePassword();
    await setPassword(db, user.id, password);
    noteAudit(request, { detail: { username: user.username } });
    // Whoever knew the old password is signed out (the admin resetting their own stays signed in).
    await sessions.endSessions({ userId: user.id, ...(request.sessionId && { except: request.sessionId }) });
    reply.header('cache-control', 'no-store');
    if (wantsJson(request)) return { password };
    return sendPage(
      request,
      reply,
      await usersPage(request, { newPassword: { username: user.username, password } }),
    );
  });
}
