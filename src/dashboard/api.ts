import { eventStream, type Operations } from '../http/operation.js';
import { serverList } from '../servers/api.js';

/** The dashboard and its event stream, for the OpenAPI document. */
export const dashboardOperations: Operations = {
  'GET /': {
    tag: 'dashboard',
    summary: 'The dashboard: the servers you may see',
    responses: serverList,
  },
  'GET /events': {
    tag: 'dashboard',
    summary: 'State and live events of all your servers, each with its `server_id`',
    responses: { 200: eventStream("Events `state` and `live`, beginning with every server's current ones") },
  },
};
