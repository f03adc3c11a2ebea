import { z } from 'zod';
import { runtimeKinds } from '../config/runtime.js';
import { failure, notFoundAnswer, type Operations, sameAs } from '../http/operation.js';
import type { NodesAnswer } from './nodes.js';

const nodesJson = sameAs<NodesAnswer>()(
  z.object({
    runtime: z.enum(runtimeKinds),
    nodes: z.array(
      z
        .object({
          id: z.string(),
          hostname: z.string(),
          role: z.string().meta({ description: 'manager or worker' }),
          availability: z.string().meta({ description: 'active, pause or drain' }),
          state: z.string().meta({ description: 'ready, down, unknown or disconnected' }),
          leader: z.boolean(),
          address: z.string().meta({
            description: 'Where its servers are reached: label l4d2web.address, else its swarm address',
          }),
          name: z
            .string()
            .meta({ description: "Its l4d2web.node label: what a server's node field names ('' = none)" }),
          labels: z.record(z.string(), z.string()),
          servers: z.array(z.object({ id: z.number().int(), name: z.string() })),
        })
        .meta({ title: 'Node' }),
    ),
  }),
);

/** The swarm's nodes, for the OpenAPI document. */
export const nodeOperations: Operations = {
  'GET /nodes': {
    tag: 'nodes',
    summary:
      "The swarm's nodes, their state and labels, and the servers on each (admins only; none unless RUNTIME=swarm)",
    responses: {
      200: { description: 'The nodes', schema: nodesJson },
      404: notFoundAnswer('page'),
      503: failure('cannot reach the Docker engine, or it is not a swarm manager'),
    },
  },
};
