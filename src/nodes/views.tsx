import type { RuntimeKind } from '../config/runtime.js';
import { Layout, type PageContext } from '../views/layout.js';
import type { SwarmNodeJson } from './nodes.js';

/** The swarm's nodes (admins): where servers can run and where they run. */
export function NodesPage(props: { ctx: PageContext; runtime: RuntimeKind; nodes: SwarmNodeJson[] }) {
  return (
    <Layout ctx={props.ctx} title="Nodes">
      <h1>Nodes</h1>
      {props.runtime !== 'swarm' ? (
        <p class="empty">
          This panel runs its servers on this host (RUNTIME={props.runtime}). Nodes are the machines of a
          Docker Swarm: start the panel with RUNTIME=swarm on a swarm manager to spread servers over several.
        </p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>Host</th>
                <th>Node name</th>
                <th>State</th>
                <th>Role</th>
                <th>Address</th>
                <th>Servers</th>
              </tr>
            </thead>
            <tbody>
              {props.nodes.map((node) => (
                <tr key={node.id}>
                  <td>
                    {node.hostname} <small class="muted">{node.id.slice(0, 12)}</small>
                  </td>
                  <td>{node.name || <span class="muted">(none)</span>}</td>
                  <td>
                    {node.state}, {node.availability}
                  </td>
                  <td>
                    {node.role}
                    {node.leader && ' (leader)'}
                  </td>
                  <td>{node.address}</td>
                  <td>
                    {node.servers.length === 0 ? (
                      <span class="muted">none</span>
                    ) : (
                      node.servers.map((server, index) => (
                        <span key={server.id}>
                          {index > 0 && ', '}
                          <a href={`/servers/${server.id}`}>{server.name}</a>
                        </span>
                      ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">
            A server whose Node field names <code>eu-1</code> runs on the nodes labelled{' '}
            <code>l4d2web.node=eu-1</code>; players, A2S and RCON reach it at the node's{' '}
            <code>l4d2web.address</code> label, else its swarm address. Label a node with{' '}
            <code>
              docker node update --label-add l4d2web.node=eu-1 --label-add l4d2web.address=203.0.113.7 NODE
            </code>
            .
          </p>
        </>
      )}
    </Layout>
  );
}
