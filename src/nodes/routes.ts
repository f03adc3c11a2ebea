import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../http/errors.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendPage } from '../http/respond.js';
import { listNodes } from './nodes.js';
import { NodesPage } from './views.js';

export function registerNodeRoutes(app: FastifyInstance, { config, database }: AppDeps) {
  app.get('/nodes', async (request, reply) => {
    if (currentUser(request).role !== 'admin') throw notFound('page');
    const answer = await listNodes(config, database);
    if (wantsJson(request)) return answer;
    return sendPage(request, reply, NodesPage({ ctx: pageContext(request), ...answer }));
  });
}
