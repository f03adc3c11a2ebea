import type { ServerEvent } from '../supervisor/control.js';

/**
 * What GET /events streams: a server's state and live events, tagged with its id (no console lines).
 * Types only, so that the browser script can share them.
 */
export type DashboardEvent = Exclude<ServerEvent, { type: 'console' }> & { server_id: number };
