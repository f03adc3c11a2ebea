import type { Config } from '../config/config.js';
import type { RuntimeKind } from '../config/runtime.js';
import { engineProblem, sharedEngine } from '../containers/engine.js';
import { panelId } from '../containers/panel-id.js';
import { type NodeView, swarmNodes } from '../containers/swarm-nodes.js';
import type { DatabaseHandle } from '../db/connect.js';
import { AppError } from '../http/errors.js';

/** A swarm node as GET /nodes shows it: its servers named. */
export interface SwarmNodeJson extends Omit<NodeView, 'server_ids'> {
  servers: { id: number; name: string }[];
}

export interface NodesAnswer {
  runtime: RuntimeKind;
  /** The swarm's nodes; none unless RUNTIME=swarm. */
  nodes: SwarmNodeJson[];
}

/** GET /nodes: the swarm's nodes, their state and labels, and this panel's servers on each. */
export async function listNodes(config: Config, database: DatabaseHandle): Promise<NodesAnswer> {
  if (config.runtime !== 'swarm') return { runtime: config.runtime, nodes: [] };
  let views: NodeView[];
  try {
    views = await swarmNodes(sharedEngine(config.dockerHost), await panelId(database.db));
  } catch (error) {
    throw new AppError(503, engineProblem(error));
  }
  const ids = [...new Set(views.flatMap((view) => view.server_ids))];
  const rows = ids.length
    ? await database.db.selectFrom('servers').select(['id', 'name']).where('id', 'in', ids).execute()
    : [];
  const names = new Map(rows.map((row) => [row.id, row.name]));
  const nodes = views.map(({ server_ids, ...view }) => ({
    ...view,
    // A server deleted since its task was listed is left out.
    servers: server_ids.filter((id) => names.has(id)).map((id) => ({ id, name: names.get(id) as string })),
  }));
  return { runtime: config.runtime, nodes };
}
