import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { DashboardPage, ServerCard } from '../../src/dashboard/views.js';
import type { Server } from '../../src/servers/servers.js';
import { emptyServerForm } from '../../src/servers/views/form.js';
import { ServerRowView, ServersPage } from '../../src/servers/views/list.js';
import { FragmentCache, PageParts } from '../../src/views/fragment-cache.js';
import type { PageContext } from '../../src/views/layout.js';
import { renderDocument } from '../../src/views/render.js';

const ctx: PageContext = { user: { username: 'alice', role: 'user' }, flash: null };
const server = (id: number, name: string, more: Partial<Server> = {}): Server => ({
  id,
  name,
  port: 27015 + id * 20,
  blueprint_id: 3,
  desired_state: 'running',
  actual_state: 'running',
  last_error: '',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  node: '',
  restart_required: false,
  live: { map: 'c1m1_hotel', players: 3, max_players: 8 },
  access: 'owner',
  permissions: ['view', 'control', 'console', 'settings'],
  ...more,
});
const now = Date.parse('2026-01-01T01:00:00.000Z');
const items = [
  { server: server(1, 'Alpha · <b>"quoted"</b> ✓'), history: [{ at: now - 600_000, players: 2 }] },
  {
    server: server(2, 'Bravo', { actual_state: 'failed', last_error: 'it <broke>', live: null }),
    history: [],
  },
  {
    server: server(3, 'Charlie', { access: 'member', permissions: ['view'] }),
    history: [],
  },
];

const dashboard = (parts?: PageParts) =>
  DashboardPage({ ctx, servers: items, blueprints: [], now, install: null, cards: parts });
const serversPage = (list: Server[], parts?: PageParts) =>
  ServersPage({ ctx, servers: list, blueprints: [], form: emptyServerForm, rows: parts });

describe('pages assembled from kept pieces', () => {
  it('are byte for byte the page rendered in place, the first time and from the cache', () => {
    const inPlace = renderDocument(dashboard());
    // Rendering the cards in place, as a plain list of components, gives the same page.
    expect(inPlace).toContain(
      renderToString(
        <div class="server-grid" data-events="/events">
          {items.map((item) => (
            <ServerCard key={item.server.id} {...item} now={now} />
          ))}
        </div>,
      ),
    );
    const cards = new FragmentCache();
    for (let i = 0; i < 2; i++) {
      const parts = new PageParts(cards);
      expect(parts.document(dashboard(parts)).body.toString('utf8')).toBe(inPlace);
    }
    expect(cards.size).toBe(3);

    const list = items.map((item) => item.server);
    const tableInPlace = renderDocument(serversPage(list));
    expect(tableInPlace).toContain(
      renderToString(
        <tbody>
          {list.map((one) => (
            <ServerRowView key={one.id} server={one} />
          ))}
        </tbody>,
      ),
    );
    const rows = new FragmentCache();
    for (let i = 0; i < 2; i++) {
      const parts = new PageParts(rows);
      expect(parts.document(serversPage(list, parts)).body.toString('utf8')).toBe(tableInPlace);
    }
  });

  it('render a piece again when anything it shows changed, and keep a variant per viewer', () => {
    const rows = new FragmentCache();
    const render = (list: Server[]) => {
      const parts = new PageParts(rows);
      return parts.document(serversPage(list, parts)).body.toString('utf8');
    };
    const alpha = server(1, 'Alpha');
    expect(render([alpha])).toContain('>Alpha</a>');
    const renamed = render([{ ...alpha, name: 'Renamed' }]);
    expect(renamed).toContain('>Renamed</a>');
    expect(renamed).not.toContain('Alpha');
    expect(render([{ ...alpha, actual_state: 'stopped', desired_state: 'stopped' }])).toContain(
      'state-stopped',
    );
    // A member without `control` gets no buttons; the owner's row keeps its own.
    const asMember = render([{ ...alpha, access: 'member', permissions: ['view'] }]);
    expect(asMember).not.toContain('/servers/1/start');
    expect(render([alpha])).toContain('/servers/1/start');
    expect(rows.size).toBe(2);
  });

  it('cannot be forged by a name that looks like a marker', () => {
    const sneaky = server(1, '<!--l4d2web-pieces-0-->');
    const parts = new PageParts(new FragmentCache());
    const page = parts.document(serversPage([sneaky], parts)).body.toString('utf8');
    expect(page).toBe(renderDocument(serversPage([sneaky])));
    expect(page).toContain('&lt;!--l4d2web-pieces-0-->');
  });
});
