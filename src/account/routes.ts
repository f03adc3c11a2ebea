import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { audited, auditFailure, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import { passwordChangeSchema } from '../auth/input.js';
import { refuseWhileLimited } from '../auth/login-limiter.js';
import { createToken, listTokens, revokeToken } from '../auth/tokens.js';
import { confirmTotp, disableTotp, recoveryCodesLeft, startTotp, totpEnabled } from '../auth/totp.js';
import { passwordMatches, setPassword } from '../auth/users.js';
import type { RouteDeps } from '../deps.js';
import { AppError } from '../http/errors.js';
import { type IdRequest, parseBody, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { parseNewToken, parseTotpCode } from './input.js';
import { AccountPage, type AccountShown, RecoveryCodesPage, TotpSetupPage } from './views.js';

/**
 * The signed-in user's own account (design/accounts.md): password, API tokens, two-factor sign-in.
 * Secrets shown once (a new token, recovery codes) are in that one answer only, never stored or
 * sent in a cookie; their pages are not cached.
 */
export function registerAccountRoutes(
  app: FastifyInstance,
  { database, sessions, logins, secretKey }: RouteDeps,
) {
  const { db } = database;

  const accountPage = async (request: FastifyRequest, shown: AccountShown = {}) => {
    const user = currentUser(request);
    const enabled = await totpEnabled(db, user.id);
    return AccountPage({
      ctx: pageContext(request),
      tokens: await listTokens(db, user.id),
      totpEnabled: enabled,
      recoveryCodesLeft: enabled ? await recoveryCodesLeft(db, user.id) : 0,
      shown,
    });
  };
  /** A page holding a secret: never kept by a cache. */
  const sendSecretPage = async (reply: FastifyReply, request: FastifyRequest, page: VNode, status = 200) => {
    reply.header('cache-control', 'no-store');
    return sendPage(request, reply, page, status);
  };

  app.get('/account', async (request, reply) => {
    const user = currentUser(request);
    if (wantsJson(request)) return { ...user, totp_enabled: await totpEnabled(db, user.id) };
    return sendPage(request, reply, await accountPage(request));
  });

  app.get('/account/tokens', async (request, reply) => {
    if (wantsJson(request)) return { tokens: await listTokens(db, currentUser(request).id) };
    return sendPage(request, reply, await accountPage(request));
  });

  app.post(
    '/account/tokens',
    audited({ action: 'token.create', target: 'token' }),
    async (request, reply) => {
      request.formOnError = (error) =>
        accountPage(request, { tokenError: error, tokenName: typedText(request.body, 'name') });
      const input = parseNewToken(request.body, bodySource(request));
      const created = await createToken(db, currentUser(request).id, input);
      noteAudit(request, { targetId: created.id, detail: { ...input } });
      if (wantsJson(request)) return reply.code(201).header('cache-control', 'no-store').send(created);
      return sendSecretPage(
        reply,
        request,
        await accountPage(request, { newToken: { ...created, name: input.name } }),
        201,
      );
    },
  );

  const revoke = async (request: IdRequest, reply: FastifyReply) => {
    const id = routeId(request.params.id, 'token');
    await revokeToken(db, currentUser(request).id, id);
    // Streams opened with it end now (other panels: at their next check).
    sessions.endStreams({ tokenId: id });
    return sendDone(request, reply, { status: 204, location: '/account#tokens', notice: 'Token revoked.' });
  };
  const revoking = audited({ action: 'token.revoke', target: 'token' });
  app.delete<{ Params: { id: string } }>('/account/tokens/:id', revoking, revoke);
  app.post<{ Params: { id: string } }>('/account/tokens/:id/delete', revoking, revoke);

  const ownAccount = (action: string) => audited({ action, target: 'user' });

  app.post('/account/password', ownAccount('account.password_change'), async (request, reply) => {
    request.formOnError = (error) => accountPage(request, { passwordError: error });
    const user = currentUser(request);
    const input = parseBody(passwordChangeSchema, request.body);
    // Guessing the password from a stolen session is limited like guessing it at the login form.
    refuseWhileLimited(logins, request, reply, user.username);
    if (!(await passwordMatches(db, user.id, input.current_password))) {
      logins.recordFailure(request.ip, user.username);
      auditFailure(request, 'account.password_change_failed', user, { reason: 'current password is wrong' });
      throw new AppError(401, 'current password is wrong', { current_password: 'is wrong' });
    }
    await setPassword(db, user.id, input.new_password);
    noteAudit(request, { targetId: user.id });
    // Every other session ends, with its streams (a token's streams too; the token stays valid).
    await sessions.endSessions({ userId: user.id, ...(request.sessionId && { except: request.sessionId }) });
    return sendDone(request, reply, { status: 204, location: '/account', notice: 'Password changed.' });
  });

  app.post('/account/totp', ownAccount('account.totp_setup'), async (request, reply) => {
    request.formOnError = (error) => accountPage(request, { totpError: error });
    const user = currentUser(request);
    const setup = await startTotp(db, secretKey, user);
    noteAudit(request, { targetId: user.id });
    if (wantsJson(request)) return reply.header('cache-control', 'no-store').send(setup);
    return sendSecretPage(reply, request, TotpSetupPage({ ctx: pageContext(request), setup }));
  });

  app.post('/account/totp/confirm', ownAccount('account.totp_enable'), async (request, reply) => {
    request.formOnError = (error) => accountPage(request, { totpError: error });
    const codes = await confirmTotp(db, secretKey, currentUser(request).id, parseTotpCode(request.body));
    noteAudit(request, { targetId: currentUser(request).id });
    if (wantsJson(request)) return reply.header('cache-control', 'no-store').send({ recovery_codes: codes });
    return sendSecretPage(reply, request, RecoveryCodesPage({ ctx: pageContext(request), codes }));
  });

  const turnOff = async (request: FastifyRequest, reply: FastifyReply) => {
    request.formOnError = (error) => accountPage(request, { totpError: error });
    await disableTotp(db, secretKey, currentUser(request).id, parseTotpCode(request.body));
    noteAudit(request, { targetId: currentUser(request).id });
    return sendDone(request, reply, {
      status: 204,
      location: '/account',
      notice: 'Two-factor sign-in is off.',
    });
  };
  app.delete('/account/totp', ownAccount('account.totp_disable'), turnOff);
  app.post('/account/totp/delete', ownAccount('account.totp_disable'), turnOff);
}
