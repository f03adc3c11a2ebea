// @ts-check
/**
 * l4d2web's script (the Install page adds install.js, which uses its openStream). Every page works
 * without it; it adds:
 * - live updates over Server-Sent Events: the element with `data-events` names its stream
 *   (/events for lists of servers, /servers/:id/events on a server page), and the elements with
 *   `data-field` under each `data-server-id` show what the events say, and its start/stop/restart
 *   forms show only in the states their `data-when` lists;
 * - the console: new lines as they come, and commands whose replies show in place.
 * Type-checked by `npm run typecheck:browser` (tsconfig.browser.json; part of `npm test`).
 */

/** @typedef {import('../../src/supervisor/control.js').ServerEvent} ServerEvent */
/** @typedef {import('../../src/dashboard/event-types.js').DashboardEvent} DashboardEvent */

/** Console lines kept in the page; older ones are dropped. */
const CONSOLE_LIMIT = 1000;

/**
 * @param {ParentNode} scope
 * @param {string} field
 * @returns {HTMLElement[]}
 */
function fields(scope, field) {
  return [...scope.querySelectorAll(`[data-field="${field}"]`)].filter(
    (element) => element instanceof HTMLElement,
  );
}

/**
 * @param {ParentNode} scope
 * @param {string} field
 * @param {string} text
 */
function setText(scope, field, text) {
  for (const element of fields(scope, field)) {
    if (element.textContent !== text) element.textContent = text;
  }
}

/**
 * @param {HTMLElement} target
 * @param {Extract<ServerEvent, { type: 'state' }>} event
 */
function applyState(target, event) {
  for (const badge of fields(target, 'state')) {
    badge.className = `badge state-${event.actual_state}`;
    badge.textContent = event.actual_state;
  }
  setText(target, 'desired_state', event.desired_state);
  for (const element of fields(target, 'last_error')) {
    element.textContent = event.last_error;
    element.hidden = event.last_error === '';
  }
  // Notes shown in some states only (why an `updating` server waits).
  for (const note of target.querySelectorAll('[data-when-state]')) {
    if (note instanceof HTMLElement)
      note.hidden = !(note.dataset.whenState ?? '').split(' ').includes(event.actual_state);
  }
  // Each button lists the `actual/desired` states it belongs to (the rule is the server's).
  const states = `${event.actual_state}/${event.desired_state}`;
  for (const form of target.querySelectorAll('form[data-when]')) {
    if (form instanceof HTMLFormElement) form.hidden = !(form.dataset.when ?? '').split(' ').includes(states);
  }
}

/**
 * @param {HTMLElement} target
 * @param {Extract<ServerEvent, { type: 'live' }>} event
 */
function applyLive(target, event) {
  setText(target, 'map', event.live?.map ?? '-');
  setText(target, 'players', event.live ? `${event.live.players}/${event.live.max_players}` : '-');
}

/**
 * After a map change, the map picker offers the new current map (unless the user is in it).
 * @param {HTMLElement} target
 * @param {string} map
 */
function showCurrentMap(target, map) {
  for (const select of target.querySelectorAll('select[name="map"]')) {
    if (!(select instanceof HTMLSelectElement) || select === document.activeElement) continue;
    if ([...select.options].some((option) => option.value === map)) select.value = map;
  }
}

/** The console's <pre>, kept scrolled to the end unless the reader scrolled up. */
class ConsoleView {
  /** @param {HTMLElement} pre */
  constructor(pre) {
    this.pre = pre;
    this.pre.scrollTop = this.pre.scrollHeight;
  }

  clear() {
    this.pre.textContent = '';
  }

  /** @param {string} line */
  append(line) {
    const atEnd = this.pre.scrollHeight - this.pre.scrollTop - this.pre.clientHeight < 40;
    this.pre.append(`${line}\n`);
    while (this.pre.childNodes.length > CONSOLE_LIMIT && this.pre.firstChild) this.pre.firstChild.remove();
    if (atEnd) this.pre.scrollTop = this.pre.scrollHeight;
  }
}

/**
 * Re-renders one section of the current page from a fresh copy of it (e.g. the player list), so
 * the HTML stays the server's.
 * @param {string} selector
 */
async function refreshSection(selector) {
  const response = await fetch(location.pathname, {
    headers: { accept: 'text/html' },
    credentials: 'same-origin',
  });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').querySelector(selector);
  const current = document.querySelector(selector);
  if (fresh && current && !current.contains(document.activeElement)) current.replaceWith(fresh);
}

/**
 * Calls `run` once, `delayMs` after the last of a burst of calls.
 * @param {() => void} run
 * @param {number} delayMs
 */
function debounce(run, delayMs) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
  };
}

/**
 * Follows the stream named by root's data-events and shows what it says.
 * @param {HTMLElement} root
 */
function follow(root) {
  const url = root.dataset.events;
  if (!url) return;
  const status = document.querySelector('[data-live-status]');
  const pre = root.querySelector('[data-console]');
  const consoleView = pre instanceof HTMLElement ? new ConsoleView(pre) : null;
  const runningCount = document.querySelector('[data-running-count]');
  const playerSection = document.getElementById('players');
  const refreshPlayers = debounce(() => void refreshSection('#players').catch(() => undefined), 300);
  /** The stream replays recent console lines on every (re)connection: they replace what is shown. */
  let replay = true;

  /** @param {string} text */
  const setStatus = (text) => {
    if (status instanceof HTMLElement) {
      status.textContent = text;
      status.dataset.state = text === 'live' ? 'live' : 'down';
    }
    root.dataset.live = text;
  };

  /** @param {number | undefined} serverId */
  const targetOf = (serverId) =>
    serverId === undefined ? root : root.querySelector(`[data-server-id="${serverId}"]`);

  /** @param {ServerEvent | DashboardEvent} event */
  const handle = (event) => {
    const target = targetOf('server_id' in event ? event.server_id : undefined);
    if (!(target instanceof HTMLElement)) return;
    if (event.type === 'state') {
      const before = fields(target, 'state')[0]?.textContent;
      applyState(target, event);
      if (runningCount) {
        runningCount.textContent = String(
          fields(root, 'state').filter((b) => b.textContent === 'running').length,
        );
      }
      if (playerSection && before !== event.actual_state) refreshPlayers();
    } else if (event.type === 'live') {
      const before = fields(target, 'players')[0]?.textContent;
      const mapBefore = fields(target, 'map')[0]?.textContent;
      applyLive(target, event);
      if (playerSection && before !== fields(target, 'players')[0]?.textContent) refreshPlayers();
      if (event.live && mapBefore !== event.live.map) showCurrentMap(target, event.live.map);
    } else if (event.type === 'usage') {
      setText(target, 'cpu', event.cpu);
      setText(target, 'memory', event.memory);
    } else if (event.type === 'console' && consoleView) {
      if (replay) {
        consoleView.clear();
        replay = false;
      }
      consoleView.append(event.line);
    }
  };

  openStream(url, ['state', 'live', 'console', 'usage', 'message'], handle, {
    opened: () => {
      replay = true;
    },
    status: setStatus,
  });
}

/**
 * Opens an event stream and hands each event of `types` (its JSON data) to `handle`; `status` hears
 * `live`, `reconnecting…` or `offline: reload the page`, and `opened` each (re)connection. The
 * Install page's script uses it too.
 * @template Event
 * @param {string} url
 * @param {string[]} types
 * @param {(event: Event) => void} handle
 * @param {{ opened: () => void; status: (text: string) => void }} hooks
 */
export function openStream(url, types, handle, hooks) {
  const source = new EventSource(url);
  source.addEventListener('open', () => {
    hooks.opened();
    hooks.status('live');
  });
  source.addEventListener('error', () => {
    hooks.status(source.readyState === EventSource.CLOSED ? 'offline: reload the page' : 'reconnecting…');
  });
  for (const type of types) {
    source.addEventListener(type, (message) => {
      if (!(message instanceof MessageEvent) || typeof message.data !== 'string') return;
      try {
        handle(JSON.parse(message.data));
      } catch {
        // Not one of ours: ignore it.
      }
    });
  }
  addEventListener('pagehide', () => source.close());
}

/**
 * Runs console commands in place: the reply shows under the command line, without a reload.
 * @param {HTMLFormElement} form
 */
function enhanceConsole(form) {
  const input = form.querySelector('input[name="command"]');
  const button = form.querySelector('button[type="submit"]');
  const reply = form.querySelector('[data-rcon-reply]');
  const output = reply?.querySelector('pre');
  if (
    !(input instanceof HTMLInputElement) ||
    !(reply instanceof HTMLElement) ||
    !(output instanceof HTMLElement)
  )
    return;
  /** @type {string[]} */
  const history = [];
  let position = 0;

  form.addEventListener('submit', async (submitEvent) => {
    submitEvent.preventDefault();
    const command = input.value.trim();
    if (!command) return;
    if (button instanceof HTMLButtonElement) button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    for (const stale of form.querySelectorAll('.error, .field-error')) stale.remove();
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ command }),
        credentials: 'same-origin',
      });
      /** @type {{ output?: string; error?: string }} */
      const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
      output.classList.toggle('is-error', !response.ok);
      output.textContent = response.ok
        ? `> ${command}\n${body.output || '(no reply)'}`
        : `> ${command}\n${body.error ?? `HTTP ${response.status}`}`;
      if (response.ok) {
        if (history.at(-1) !== command) history.push(command);
        position = history.length;
        input.value = '';
      }
    } catch {
      output.classList.add('is-error');
      output.textContent = `> ${command}\nThe panel did not answer.`;
    } finally {
      reply.hidden = false;
      form.removeAttribute('aria-busy');
      if (button instanceof HTMLButtonElement) button.disabled = false;
      input.focus();
    }
  });

  // Up and down walk through the commands run so far, as in a terminal.
  input.addEventListener('keydown', (keyEvent) => {
    if (keyEvent.key !== 'ArrowUp' && keyEvent.key !== 'ArrowDown') return;
    if (history.length === 0) return;
    keyEvent.preventDefault();
    position = Math.max(0, Math.min(history.length, position + (keyEvent.key === 'ArrowUp' ? -1 : 1)));
    input.value = history[position] ?? '';
  });
}

/**
 * The addon library follows its stream (`data-addon-events`): on a change it re-renders the table from
 * a fresh copy of the page (downloads progress, uploads and deletions elsewhere), at most every 500 ms.
 * @param {HTMLElement} root
 */
function followAddons(root) {
  const url = root.dataset.addonEvents;
  if (!url) return;
  const refresh = debounce(() => void refreshSection('[data-addon-library]').catch(() => undefined), 500);
  const source = new EventSource(url);
  // The stream starts with every addon (one refresh after connecting), then each change.
  for (const type of ['addon', 'removed']) source.addEventListener(type, refresh);
  addEventListener('pagehide', () => source.close());
}

/**
 * A schedule's form shows its next three runs as the cron and time zone are typed
 * (GET /schedules/preview); a cron still being typed shows why it is not one yet.
 * @param {HTMLFormElement} form
 */
function previewSchedule(form) {
  const shown = form.querySelector('[data-next-runs]');
  const cron = form.querySelector('input[name="cron"]');
  const zone = form.querySelector('input[name="timezone"]');
  if (!shown || !(cron instanceof HTMLInputElement) || !(zone instanceof HTMLInputElement)) return;
  const update = debounce(async () => {
    const query = new URLSearchParams({ cron: cron.value, timezone: zone.value });
    try {
      const response = await fetch(`/schedules/preview?${query}`, {
        headers: { accept: 'application/json' },
      });
      const answer = await response.json();
      shown.textContent = response.ok
        ? `Next runs (UTC): ${answer.next_runs.map((/** @type {string} */ at) => at.replace('T', ' ').slice(0, 19)).join(', ') || 'none'}`
        : answer.error;
    } catch {
      // Offline: the saved schedule's runs stay shown.
    }
  }, 300);
  cron.addEventListener('input', update);
  zone.addEventListener('input', update);
}

for (const form of document.querySelectorAll('form[data-schedule-form]')) {
  if (form instanceof HTMLFormElement) previewSchedule(form);
}
for (const root of document.querySelectorAll('[data-events]')) {
  if (root instanceof HTMLElement) follow(root);
}
for (const root of document.querySelectorAll('[data-addon-events]')) {
  if (root instanceof HTMLElement) followAddons(root);
}
for (const form of document.querySelectorAll('form[data-rcon]')) {
  if (form instanceof HTMLFormElement) enhanceConsole(form);
}
