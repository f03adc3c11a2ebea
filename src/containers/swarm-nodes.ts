import type Docker from 'dockerode';
import { ADDRESS_LABEL, NODE_LABEL, PANEL_LABEL, SERVER_ID_LABEL } from './spec.js';

/** The fields of the Engine API's swarm tasks and nodes the panel reads. */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: {
    ContainerSpec?: { Labels?: Record<string, string> };
    Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number } };
  };
  Status: {
    State: string;
    Timestamp?: string;
    Err?: string;
    Message?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  };
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Labels?: Record<string, string>; Role?: string; Availability?: string };
  Status?: { State?: string; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** Task states after which the task never runs again. */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'complete',
  'failed',
  'shutdown',
  'rejected',
  'orphaned',
  'remove',
]);

/** Where game clients, A2S and RCON reach a node's servers: its `l4d2web.address` label, else its status address. */
export function nodeAddress(node: SwarmNode): string {
  return node.Spec?.Labels?.[ADDRESS_LABEL] || node.Status?.Addr || '127.0.0.1';
}

/** GET /nodes: one swarm node as the admin sees it. */
export interface NodeView {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  leader: boolean;
  address: string;
  /** Its `l4d2web.node` label: what a server's `node` field names to be placed here ('' = none). */
  name: string;
  labels: Record<string, string>;
  /** Ids of this panel's servers whose task runs (or is about to) on it. */
  server_ids: number[];
}

/** The nodes, with which of this panel's servers each one runs. Pure. */
export function describeNodes(nodes: SwarmNode[], tasks: SwarmTask[], panelId: string): NodeView[] {
  const serversOn = new Map<string, number[]>();
  for (const task of tasks) {
    const labels = task.Spec?.ContainerSpec?.Labels ?? {};
    if (labels[PANEL_LABEL] !== panelId || task.DesiredState !== 'running') continue;
    const id = Number(labels[SERVER_ID_LABEL]);
    if (!Number.isInteger(id) || !task.NodeID) continue;
    serversOn.set(task.NodeID, [...(serversOn.get(task.NodeID) ?? []), id]);
  }
  return nodes
    .map((node) => ({
      id: node.ID,
      hostname: node.Description?.Hostname ?? '',
      role: node.Spec?.Role ?? '',
      availability: node.Spec?.Availability ?? '',
      state: node.Status?.State ?? '',
      leader: node.ManagerStatus?.Leader === true,
      address: nodeAddress(node),
      name: node.Spec?.Labels?.[NODE_LABEL] ?? '',
      labels: node.Spec?.Labels ?? {},
      server_ids: (serversOn.get(node.ID) ?? []).sort((a, b) => a - b),
    }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

/** The swarm's nodes and this panel's servers on each, from a manager's engine. */
export async function swarmNodes(docker: Docker, panelId: string): Promise<NodeView[]> {
  const [nodes, tasks] = await Promise.all([
    docker.listNodes() as Promise<SwarmNode[]>,
    docker.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<SwarmTask[]>,
  ]);
  return describeNodes(nodes, tasks, panelId);
}
