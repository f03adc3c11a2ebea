import { describe, expect, it } from 'vitest';
import type { Blueprint } from '../../src/blueprints/blueprints.js';
import { DashboardPage } from '../../src/dashboard/views.js';
import { AppError } from '../../src/http/errors.js';
import type { Server } from '../../src/servers/servers.js';
import { emptyServerForm, serverFormValues } from '../../src/servers/views/form.js';
import { ServersPage } from '../../src/servers/views/list.js';
import { ServerPage } from '../../src/servers/views/page.js';
import type { PageContext } from '../../src/views/layout.js';
import { renderDocument } from '../../src/views/render.js';

const ctx: PageContext = { user: { username: 'alice', role: 'user' }, flash: 'Server created.' };
const blueprint: Blueprint = {
  id: 3,
  name: 'coop',
  arguments: [],
  config: [],
  cpu_limit: null,
  memory_limit_mb: null,
  addons: [],
  sourcemod: { enabled: false, admins: [], plugins: [] },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const server: Server = {
  id: 7,
  name: 'Alpha',
  port: 27015,
  blueprint_id: 3,
  desired_state: 'running',
  actual_state: 'crashed',
  last_error: 'crash loop: exit code 139',
  node: '',
  restart_required: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  live: null,
  access: 'owner',
  permissions: ['view', 'control', 'console', 'settings'],
};

/** ids of form fields that no <label for> names (hidden inputs and buttons aside). */
function unlabelled(html: string): string[] {
  const labelled = new Set([...html.matchAll(/<label for="([^"]+)"/g)].map((match) => match[1]));
  const fields = [...html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)].filter(
    ([, , attributes]) => !/type="hidden"/.test(attributes ?? ''),
  );
  return fields
    .map(([tag, , attributes]) => /\bid="([^"]+)"/.exec(attributes ?? '')?.[1] ?? tag)
    .filter((id) => !labelled.has(id));
}

const serverPage = (props: Partial<Parameters<typeof ServerPage>[0]> = {}) =>
  renderDocument(
    ServerPage({
      ctx,
      server,
      blueprint: { id: blueprint.id, name: blueprint.name, linked: true },
      blueprints: [blueprint],
      launchLine: '/srv/srcds_run -game left4dead2',
      form: serverFormValues(server),
      ...props,
    }),
  );

describe('the page layout', () => {
  const html = renderDocument(
    DashboardPage({ ctx, servers: [{ server, history: [] }], blueprints: [], now: 0 }),
  );

  it('has landmarks, a skip link first, and the flash notice as a status', () => {
    expect(html).toMatch(/<body><a class="skip" href="#main">Skip to content<\/a><header class="top">/);
    expect(html).toContain('<nav aria-label="Main">');
    expect(html).toContain('<main id="main">');
    expect(html).toContain('<p class="flash" role="status">Server created.</p>');
  });

  it('loads its one script from its own origin, with nothing inline (the CSP allows no inline script)', () => {
    expect([...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag)).toEqual([
      '<script type="module" src="/static/js/live.js">',
    ]);
    expect(html).not.toMatch(/<script[^>]*>[^<]/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('follows the system colour scheme', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
  });
});

describe('the dashboard', () => {
  it('shows the last error when there is one', () => {
    const html = renderDocument(
      DashboardPage({ ctx, servers: [{ server, history: [] }], blueprints: [], now: 0 }),
    );
    expect(html).toContain('<p class="error-text" data-field="last_error">crash loop: exit code 139</p>');
    expect(html).toContain('class="badge state-crashed"');
  });

  it('keeps an empty, hidden last-error line that the live script can fill', () => {
    const quiet = { ...server, actual_state: 'running' as const, last_error: '' };
    const html = renderDocument(
      DashboardPage({ ctx, servers: [{ server: quiet, history: [] }], blueprints: [], now: 0 }),
    );
    expect(html).toContain('<p class="error-text" data-field="last_error" hidden></p>');
  });
});

describe('the server page', () => {
  it('labels every field', () => {
    expect(unlabelled(serverPage())).toEqual([]);
    expect(
      unlabelled(
        renderDocument(
          ServersPage({ ctx, servers: [server], blueprints: [blueprint], form: serverFormValues(server) }),
        ),
      ),
    ).toEqual([]);
  });

  it('shows a settings error in the settings form only', () => {
    const error = new AppError(400, 'port: must be a whole number', { port: 'must be a whole number' });
    const html = serverPage({ error, form: { ...serverFormValues(server), port: 'abc' } });
    expect(html.match(/role="alert"/g)).toHaveLength(1);
    expect(html).toContain('<span class="field-error" id="field-port-error">must be a whole number</span>');
    expect(html).toContain('value="abc"');
    expect(html).toContain('aria-describedby="field-port-error"');
  });

  it('shows a map error next to the map picker, with the typed map kept', () => {
    const error = new AppError(400, 'map: changelevel failed', { map: 'changelevel failed' });
    const html = serverPage({ error, focus: { section: 'map', map: 'c99m1_x' } });
    const map = html.slice(html.indexOf('id="map"'), html.indexOf('id="console"'));
    expect(map).toContain('role="alert"');
    expect(map).toContain('name="custom_map" value="c99m1_x"');
    expect(map).toContain('<span class="field-error" id="field-custom_map-error">changelevel failed</span>');
    expect(html.match(/role="alert"/g)).toHaveLength(1);
  });

  it('shows the console reply in place, and "(no reply)" for an empty one', () => {
    const answered = serverPage({
      focus: { section: 'console', command: 'status', output: 'hostname: x\n' },
    });
    expect(answered).toContain(
      '<div class="rcon-reply" data-rcon-reply="true" aria-live="polite"><h3>Reply</h3><pre>hostname: x\n</pre>',
    );
    expect(serverPage({ focus: { section: 'console', command: 'say hi', output: '' } })).toContain(
      '<pre>(no reply)</pre>',
    );
    expect(serverPage()).toContain('data-rcon-reply="true" aria-live="polite" hidden>');
  });

  it('lists the players with a kick button each, names escaped', () => {
    const running = { ...server, actual_state: 'running' as const };
    const html = serverPage({
      server: running,
      players: [
        { name: '<b>Ellis</b>', score: 7, seconds: 3723 },
        { name: '', score: 0, seconds: 2 },
      ],
    });
    const players = html.slice(html.indexOf('id="players"'), html.indexOf('id="map"'));
    expect(players).toContain('<td>&lt;b>Ellis&lt;/b></td><td>7</td><td>1:02:03</td>');
    expect(players).toContain('<input type="hidden" name="name" value="&lt;b>Ellis&lt;/b>"/>');
    expect(players).toContain('aria-label="Kick &lt;b>Ellis&lt;/b>"');
    // Someone still connecting has no name yet, so no kick button.
    expect(players).toContain(
      '<td><span class="muted">(connecting)</span></td><td>0</td><td>0:02</td><td></td>',
    );
  });

  it('says why there is no player list', () => {
    expect(serverPage()).toContain('The server is not running.');
    const running = { ...server, actual_state: 'running' as const };
    expect(serverPage({ server: running, players: null })).toContain(
      'The server did not say who is playing.',
    );
    expect(serverPage({ server: running, players: [] })).toContain('Nobody is playing.');
  });
});

describe('server buttons follow the state', () => {
  type Pair = `${Server['actual_state']}/${Server['desired_state']}`;
  /** Every (actual, desired) state and the buttons it shows, in order. */
  const expected: Record<Pair, string[]> = {
    'unknown/stopped': ['Start'],
    'unknown/running': ['Stop'],
    'stopped/stopped': ['Start'],
    'stopped/running': ['Stop'],
    'starting/running': ['Stop'],
    'starting/stopped': ['Stop'],
    'running/running': ['Stop', 'Restart'],
    'running/stopped': ['Stop', 'Restart'],
    'stopping/stopped': [],
    'stopping/running': [],
    'crashed/running': ['Stop'],
    'crashed/stopped': ['Start'],
    'failed/running': ['Start'],
    'failed/stopped': ['Start'],
    'updating/running': ['Stop'],
    'updating/stopped': ['Start'],
  };
  const pairs = Object.keys(expected) as Pair[];
  const inState = (pair: Pair): Server => {
    const [actual, desired] = pair.split('/') as [Server['actual_state'], Server['desired_state']];
    return { ...server, actual_state: actual, desired_state: desired };
  };

  /** The start/stop/restart forms of a page: the button each holds, whether hidden, and data-when. */
  const buttonsOf = (html: string) =>
    [...html.matchAll(/<form ([^>]*action="\/servers\/7\/(start|stop|restart)"[^>]*)>/g)].map(
      ([, attributes = '', action = '']) => ({
        label: `${action[0]?.toUpperCase()}${action.slice(1)}`,
        hidden: /\shidden(?=[\s>]|$)/.test(` ${attributes}`),
        when: /data-when="([^"]*)"/.exec(attributes)?.[1]?.split(' ') ?? [],
      }),
    );
  const shownIn = (html: string) =>
    buttonsOf(html)
      .filter((button) => !button.hidden)
      .map((button) => button.label);

  const pages = {
    'server page': (s: Server) => serverPage({ server: s, form: serverFormValues(s) }),
    dashboard: (s: Server) =>
      renderDocument(DashboardPage({ ctx, servers: [{ server: s, history: [] }], blueprints: [], now: 0 })),
    'servers list': (s: Server) =>
      renderDocument(ServersPage({ ctx, servers: [s], blueprints: [blueprint], form: emptyServerForm })),
  };

  it.each(Object.entries(pages))('shows on the %s the buttons of each state, and only those', (_, render) => {
    for (const pair of pairs) {
      expect({ pair, shown: shownIn(render(inState(pair))) }).toEqual({ pair, shown: expected[pair] });
    }
  });

  it('tells the live script, on each button, every state that shows it', () => {
    const buttons = buttonsOf(serverPage());
    expect(buttons.map((button) => button.label)).toEqual(['Start', 'Stop', 'Restart']);
    for (const button of buttons) {
      expect(button.when.sort()).toEqual(
        pairs.filter((pair) => expected[pair].includes(button.label)).sort(),
      );
    }
  });

  it('keeps Start the primary button, the others secondary', () => {
    const html = serverPage({ server: inState('stopped/stopped') });
    expect(html).toMatch(/<button type="submit" aria-label="Start Alpha">Start<\/button>/);
    expect(html).toMatch(/<button type="submit" class="secondary" aria-label="Stop Alpha">Stop<\/button>/);
  });
});
