import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAccountRoutes } from './account/routes.js';
import { registerAddonRoutes } from './addons/routes.js';
import { AddonServices } from './addons/service.js';
import { registerAuditHooks } from './audit/hooks.js';
import { registerAuditRoutes } from './audit/routes.js';
import { loadUser, requireLogin } from './auth/guard.js';
import { IdentityCache } from './auth/identity-cache.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { registerAuthRoutes } from './auth/routes.js';
import { SecretKey } from './auth/secret-key.js';
import { SessionStreams } from './auth/session-streams.js';
import { registerBlueprintRoutes } from './blueprints/routes.js';
import { registerDashboardRoutes } from './dashboard/routes.js';
import type { AppDeps, RouteDeps } from './deps.js';
import { refuseCrossSite } from './http/csrf.js';
import { AppError } from './http/errors.js';
import { conditionalGet } from './http/etag.js';
import { refuseUnknownHost } from './http/hosts.js';
import { loggerOptions } from './http/logger.js';
import { answerError } from './http/respond.js';
import { sendSecurityHeaders } from './http/security-headers.js';
import { registerInstallRoutes } from './install/routes.js';
import { registerNodeRoutes } from './nodes/routes.js';
import { registerOpenApi, registerOpenApiRoute } from './openapi/plugin.js';
import { registerScheduleRoutes } from './schedules/routes.js';
import { authorizeServerRoute, requireServerAction } from './servers/access.js';
import { AccessWatch } from './servers/access-watch.js';
import { registerServerRoutes } from './servers/routes.js';
import { registerUserRoutes } from './users/routes.js';
import { registerWebhookRoutes } from './webhooks/routes.js';

const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public');

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config),
    bodyLimit: 1024 * 1024,
    trustProxy: deps.config.trustProxy,
  });

  // A JSON request with no body (e.g. POST /servers/1/start from a script) means "{}".
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    defaultJsonParser(request, body as string, done);
  });
  // Bodies are JSON or forms; anything else (text/plain included) is 415, not a string body.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyFormbody);
  // Uploads stream to disk (POST /addons/upload sets its own limits); nothing is held in memory.
  await app.register(fastifyMultipart, { limits: { files: 1, fields: 5, fieldSize: 1024, parts: 6 } });
  await app.register(fastifyCookie);
  // Before any route: it documents the routes registered after it.
  await registerOpenApi(app);
  // helmet's headers, computed once (src/http/security-headers.ts).
  app.addHook('onRequest', sendSecurityHeaders());
  // Static files are public (the login page needs its stylesheet before anyone signs in) and
  // the same for everyone, so they cost no session look-up.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/static/')) route.config = { ...route.config, public: true, sessionless: true };
  });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/' });

  app.decorateRequest('user', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('credential', null);
  app.decorateRequest('authorizedServer', null);
  // First: a request for a name we do not answer to (DNS rebinding) gets no further.
  app.addHook('onRequest', refuseUnknownHost(deps.config));
  app.addHook('onRequest', refuseCrossSite(deps.config));
  // Who signed in, kept a moment (src/auth/identity-cache.ts); SessionStreams forgets what ends.
  const identities = new IdentityCache();
  app.addHook('onRequest', loadUser(deps.database.db, identities));
  app.addHook('preHandler', requireLogin);
  // Every route under /servers/:id says what it does to the server; one hook decides who may.
  app.addHook('onRoute', requireServerAction);
  app.addHook('preHandler', authorizeServerRoute(deps.database.db));
  // Every route that changes state names its audit action; successes (and failed sign-ins) are recorded.
  registerAuditHooks(app, deps.database.db);

  // ETag and 304 for what depends on who asks (src/http/etag.ts).
  app.addHook('onSend', conditionalGet);
  // Routes and hooks throw; one handler answers (src/http/respond.ts).
  app.decorateRequest('formOnError', null);
  app.setErrorHandler(answerError);
  app.setNotFoundHandler(async () => {
    throw new AppError(404, 'not found');
  });

  app.get('/healthz', { config: { public: true, sessionless: true, anyHost: true } }, async () => ({
    status: 'ok',
  }));
  const routeDeps: RouteDeps = {
    ...deps,
    sessions: new SessionStreams(deps.database.db, { log: app.log, identities }),
    addons: deps.addons ?? ownAddons(app, deps),
    logins: new LoginLimiter(),
    secretKey: new SecretKey(deps.config.dataDir),
    accessWatch: new AccessWatch(),
  };
  registerAuthRoutes(app, routeDeps);
  registerAccountRoutes(app, routeDeps);
  registerUserRoutes(app, routeDeps);
  registerNodeRoutes(app, routeDeps);
  registerBlueprintRoutes(app, routeDeps);
  registerAddonRoutes(app, routeDeps);
  registerServerRoutes(app, routeDeps);
  registerDashboardRoutes(app, routeDeps);
  registerScheduleRoutes(app, routeDeps);
  registerWebhookRoutes(app, routeDeps);
  registerAuditRoutes(app, routeDeps);
  registerInstallRoutes(app, routeDeps);
  registerOpenApiRoute(app);
  return app;
}

/** Addon services for an app given none (tests): stopped with the app. */
function ownAddons(app: FastifyInstance, deps: AppDeps): AddonServices {
  const addons = new AddonServices(deps.config, deps.database.db, (message) => app.log.warn(message));
  app.addHook('onClose', async () => addons.stop());
  return addons;
}
