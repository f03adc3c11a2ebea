import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditFailure, noteAudit } from '../audit/hooks.js';
import type { RouteDeps } from '../deps.js';
import { cookieOptions } from '../http/cookies.js';
import { AppError } from '../http/errors.js';
import { parseBody } from '../http/input.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { loginCodeSchema, loginSchema } from './input.js';
import { refuseWhileLimited } from './login-limiter.js';
import { pendingLoginToken, userOfPendingLogin } from './pending-login.js';
import { createSession, type SessionUser, sessionCookie, sessionLifetimeMs } from './sessions.js';
import { checkSecondFactor, invalidCode, totpEnabled } from './totp.js';
import { authenticate, countUsers, registerUser } from './users.js';
import { CodePage, LoginPage, RegisterPage } from './views.js';

export function registerAuthRoutes(
  app: FastifyInstance,
  { database, config, sessions, logins, secretKey }: RouteDeps,
) {
  const { db } = database;
  const publicRoute = { config: { public: true } };
  /** A public route that changes state, and the action the audit log records for it. */
  const publicAudited = (action: string) => ({
    config: { public: true, audit: { action, target: 'user' as const } },
  });
  /** A failed sign-in: counted by the limiter and kept in the audit log. */
  const failedLogin = (request: FastifyRequest, username: string, why: string) => {
    logins.recordFailure(request.ip, username);
    auditFailure(request, 'auth.login_failed', username, { reason: why });
  };
  const canRegister = async () => config.allowRegistration || (await countUsers(db)) === 0;
  /** The login or registration form again: the name as typed (never the password) and why it failed. */
  const typedForm = (request: FastifyRequest, error: AppError) => ({
    username: typedText(request.body, 'username'),
    error: error.message,
    fields: error.fields,
  });
  const signIn = async (request: FastifyRequest, reply: FastifyReply, userId: number) => {
    const token = await createSession(db, userId);
    reply.setCookie(sessionCookie, token, cookieOptions(request, sessionLifetimeMs / 1000));
  };
  /** The second factor: a wrong code counts as a failed login, exactly as a wrong password does. */
  const checkCode = async (request: FastifyRequest, user: SessionUser, code: string) => {
    if (await checkSecondFactor(db, secretKey, user.id, code)) return;
    failedLogin(request, user.username, 'wrong two-factor code');
    throw invalidCode();
  };
  const finishLogin = async (request: FastifyRequest, reply: FastifyReply, user: SessionUser) => {
    logins.recordSuccess(request.ip, user.username);
    await signIn(request, reply, user.id);
    noteAudit(request, { user, targetId: user.id });
    return wantsJson(request) ? reply.send(user) : reply.redirect('/', 302);
  };

  app.get('/login', publicRoute, async (request, reply) => {
    if (request.user) return reply.redirect('/', 302);
    // A fresh panel has nobody to log in: its first visitor creates the administrator account.
    if ((await countUsers(db)) === 0) return reply.redirect('/register', 302);
    return sendPage(
      request,
      reply,
      LoginPage({ ctx: pageContext(request), form: { username: '' }, canRegister: config.allowRegistration }),
    );
  });

  app.post('/login', publicAudited('auth.login'), async (request, reply) => {
    request.formOnError = async (error) =>
      LoginPage({
        ctx: pageContext(request),
        form: typedForm(request, error),
        canRegister: await canRegister(),
      });
    const { username, password, code } = parseBody(loginSchema, request.body);
    refuseWhileLimited(logins, request, reply, username);
    const account = await authenticate(db, username, password);
    if (!account) {
      failedLogin(request, username, 'wrong username or password');
      throw new AppError(401, 'invalid username or password');
    }
    if (account.disabled_at !== null) {
      auditFailure(request, 'auth.login_failed', username, { reason: 'account disabled' });
      throw new AppError(403, 'this account is disabled');
    }
    const user: SessionUser = { id: account.id, username: account.username, role: account.role };
    if (await totpEnabled(db, user.id)) {
      if (code === undefined) {
        if (wantsJson(request)) throw new AppError(401, 'code required');
        // The second step: its form carries a signed proof that the password was right, never the password.
        const loginToken = pendingLoginToken(secretKey, account);
        // Not signed in yet: the code step's POST /login/code records the sign-in.
        noteAudit(request, { skip: true });
        return sendPage(request, reply, CodePage({ ctx: pageContext(request), loginToken }));
      }
      await checkCode(request, user, code);
    }
    return finishLogin(request, reply, user);
  });

  app.post('/login/code', publicAudited('auth.login'), async (request, reply) => {
    const loginToken = typedText(request.body, 'login_token');
    request.formOnError = (error) =>
      CodePage({ ctx: pageContext(request), loginToken, error: error.message, fields: error.fields });
    const input = parseBody(loginCodeSchema, request.body);
    const user = await userOfPendingLogin(db, secretKey, input.login_token);
    if (!user) {
      request.formOnError = async (error) =>
        LoginPage({
          ctx: pageContext(request),
          form: { username: '', error: error.message },
          canRegister: await canRegister(),
        });
      throw new AppError(401, 'the sign-in expired: enter your password again');
    }
    refuseWhileLimited(logins, request, reply, user.username);
    await checkCode(request, user, input.code);
    return finishLogin(request, reply, user);
  });

  app.get('/register', publicRoute, async (request, reply) => {
    const firstAccount = (await countUsers(db)) === 0;
    if (!firstAccount && !config.allowRegistration && request.user?.role !== 'admin') {
      throw new AppError(403, 'registration is closed');
    }
    return sendPage(
      request,
      reply,
      RegisterPage({ ctx: pageContext(request), form: { username: '' }, firstAccount }),
    );
  });

  app.post('/register', publicAudited('user.create'), async (request, reply) => {
    const byAdmin = request.user?.role === 'admin';
    const firstAccount = (await countUsers(db)) === 0;
    request.formOnError = (error) =>
      RegisterPage({ ctx: pageContext(request), form: typedForm(request, error), firstAccount });
    const user = await registerUser(db, request.body, request.user, config.allowRegistration);
    // Who created it: the admin adding it, or the new user registering themselves.
    noteAudit(request, {
      targetId: user.id,
      detail: { username: user.username, role: user.role, registered: !byAdmin },
      ...(!byAdmin && { user }),
    });
    // An admin adding an account stays signed in as themselves.
    if (!byAdmin) await signIn(request, reply, user.id);
    return sendDone(request, reply, {
      status: 201,
      body: { id: user.id },
      location: byAdmin ? '/users' : '/',
      notice: byAdmin ? `Account ${user.username} created.` : `Welcome, ${user.username}.`,
    });
  });

  app.post('/logout', publicAudited('auth.logout'), async (request, reply) => {
    // A bearer request has no session here (its cookies are not its own): nothing to end.
    if (request.credential?.kind !== 'token') {
      // Its open event streams end with it.
      if (request.sessionId) await sessions.endSessions({ sessionIds: [request.sessionId] });
      reply.clearCookie(sessionCookie, { path: '/' });
    }
    return wantsJson(request) ? reply.code(204).send() : reply.redirect('/login', 302);
  });
}
