import { z } from 'zod';
import { accountOperations } from '../account/api.js';
import { addonOperations } from '../addons/api.js';
import { auditOperations } from '../audit/api.js';
import { authOperations } from '../auth/api.js';
import { blueprintOperations } from '../blueprints/api.js';
import { dashboardOperations } from '../dashboard/api.js';
import type { Operations } from '../http/operation.js';
import { installOperations } from '../install/api.js';
import { nodeOperations } from '../nodes/api.js';
import { scheduleOperations } from '../schedules/api.js';
import { serverOperations } from '../servers/api.js';
import { userOperations } from '../users/api.js';
import { webhookOperations } from '../webhooks/api.js';

/** The app's own routes (src/app.ts, plugin.ts). */
const metaOperations: Operations = {
  'GET /healthz': {
    tag: 'meta',
    public: true,
    summary: 'Whether the panel is up',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
  },
  'GET /openapi.json': {
    tag: 'meta',
    public: true,
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI document', schema: z.object({}).loose() } },
  },
};

/**
 * Every route that answers JSON, keyed by "METHOD url" as Fastify registers it; each feature
 * describes its own (its api.ts). A test checks that this list and the app's routes match, so a new
 * route cannot be left out of the document.
 */
export const operations: Operations = {
  ...authOperations,
  ...accountOperations,
  ...userOperations,
  ...nodeOperations,
  ...blueprintOperations,
  ...addonOperations,
  ...serverOperations,
  ...dashboardOperations,
  ...scheduleOperations,
  ...webhookOperations,
  ...auditOperations,
  ...installOperations,
  ...metaOperations,
};

/** Routes that answer HTML only (pages with nothing for a script), and so are not in the document. */
export const htmlOnlyRoutes = ['GET /login', 'GET /register'];
