import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../deps.js';
import { cookieOptions } from '../http/cookies.js';
import { AppError } from '../http/errors.js';
import { parseBody } from '../http/input.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { loginSchema } from './input.js';
import { LoginLimiter } from './login-limiter.js';
import { createSession, sessionCookie, sessionIdFor, sessionLifetimeMs } from './sessions.js';
import { authenticate, countUsers, registerUser } from './users.js';
import { LoginPage, RegisterPage } from './views.js';

export function registerAuthRoutes(app: FastifyInstance, { database, config, sessions }: RouteDeps) {
  const { db } = database;
  const limiter = new LoginLimiter();
  const publicRoute = { config: { public: true } };
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

  app.post('/login', publicRoute, async (request, reply) => {
    request.formOnError = async (error) =>
      LoginPage({
        ctx: pageContext(request),
        form: typedForm(request, error),
        canRegister: await canRegister(),
      });
    const { username, password } = parseBody(loginSchema, request.body);
    const wait = limiter.retryAfter(request.ip, username);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new AppError(429, `too many failed logins, try again in ${wait} seconds`);
    }
    const user = await authenticate(db, username, password);
    if (!user) {
      limiter.recordFailure(request.ip, username);
      throw new AppError(401, 'invalid username or password');
    }
    limiter.recordSuccess(request.ip, username);
    await signIn(request, reply, user.id);
    return wantsJson(request) ? reply.send(user) : reply.redirect('/', 302);
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

  app.post('/register', publicRoute, async (request, reply) => {
    const byAdmin = request.user?.role === 'admin';
    const firstAccount = (await countUsers(db)) === 0;
    request.formOnError = (error) =>
      RegisterPage({ ctx: pageContext(request), form: typedForm(request, error), firstAccount });
    const user = await registerUser(db, request.body, request.user, config.allowRegistration);
    // An admin adding an account stays signed in as themselves.
    if (!byAdmin) await signIn(request, reply, user.id);
    return sendDone(request, reply, {
      status: 201,
      body: { id: user.id },
      location: byAdmin ? '/users' : '/',
      notice: byAdmin ? `Account ${user.username} created.` : `Welcome, ${user.username}.`,
    });
  });

  app.post('/logout', publicRoute, async (request, reply) => {
    const token = request.cookies[sessionCookie];
    // Its open event streams end with it.
    if (token) await sessions.endSessions({ sessionIds: [sessionIdFor(token)] });
    reply.clearCookie(sessionCookie, { path: '/' });
    return wantsJson(request) ? reply.code(204).send() : reply.redirect('/login', 302);
  });
}
