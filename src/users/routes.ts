import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import { listUsers } from '../auth/users.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../http/errors.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendPage } from '../http/respond.js';
import { UsersPage } from './views.js';

export function registerUserRoutes(app: FastifyInstance, { database }: AppDeps) {
  app.get('/users', async (request, reply) => {
    if (currentUser(request).role !== 'admin') throw notFound('page');
    const users = await listUsers(database.db);
    if (wantsJson(request)) return { users };
    return sendPage(request, reply, UsersPage({ ctx: pageContext(request), users }));
  });
}
