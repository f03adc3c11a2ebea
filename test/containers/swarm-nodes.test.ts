import { describe, expect, it } from 'vitest';
import {
  describeNodes,
  nodeAddress,
  type SwarmNode,
  type SwarmTask,
} from '../../src/containers/swarm-nodes.js';

const node = (id: string, hostname: string, labels: Record<string, string>, addr: string): SwarmNode => ({
  ID: id,
  Description: { Hostname: hostname },
  Spec: { Labels: labels, Role: 'worker', Availability: 'active' },
  Status: { State: 'ready', Addr: addr },
});

const task = (nodeId: string, serverId: number, panel: string, desired = 'running'): SwarmTask => ({
  ID: `t-${serverId}`,
  ServiceID: `s-${serverId}`,
  NodeID: nodeId,
  DesiredState: desired,
  Spec: { ContainerSpec: { Labels: { 'l4d2web.server_id': String(serverId), 'l4d2web.panel': panel } } },
  Status: { State: 'running' },
});

describe("a swarm node's address", () => {
  it('is its l4d2web.address label, else the address it joined with', () => {
    expect(nodeAddress(node('a', 'eu1', { 'l4d2web.address': '203.0.113.7' }, '10.0.0.2'))).toBe(
      '203.0.113.7',
    );
    expect(nodeAddress(node('a', 'eu1', {}, '10.0.0.2'))).toBe('10.0.0.2');
  });
});

describe('the nodes as GET /nodes shows them', () => {
  it("lists each node's name label and this panel's servers meant to run there, nobody else's", () => {
    const nodes = [
      node('n2', 'us-west', {}, '10.0.0.3'),
      node('n1', 'eu-east', { 'l4d2web.node': 'eu-1', 'l4d2web.address': '203.0.113.7' }, '10.0.0.2'),
    ];
    const tasks = [
      task('n1', 5, 'mine'),
      task('n1', 3, 'mine'),
      task('n1', 9, 'another panel'),
      task('n2', 4, 'mine', 'shutdown'),
    ];
    expect(describeNodes(nodes, tasks, 'mine')).toEqual([
      {
        id: 'n1',
        hostname: 'eu-east',
        role: 'worker',
        availability: 'active',
        state: 'ready',
        leader: false,
        address: '203.0.113.7',
        name: 'eu-1',
        labels: { 'l4d2web.node': 'eu-1', 'l4d2web.address': '203.0.113.7' },
        server_ids: [3, 5],
      },
      expect.objectContaining({ id: 'n2', name: '', address: '10.0.0.3', server_ids: [] }),
    ]);
  });
});
