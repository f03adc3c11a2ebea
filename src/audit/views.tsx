import type { AppError } from '../http/errors.js';
import { ErrorMessage, Layout, type PageContext } from '../views/layout.js';
import type { AuditEntry } from './log.js';

/** The filters as typed in the page's form (strings, '' for none). */
export interface AuditFormValues {
  user: string;
  action: string;
  server: string;
  limit: string;
}

function FilterField(props: { name: keyof AuditFormValues; label: string; value: string; hint: string }) {
  const id = `filter-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input id={id} type="text" name={props.name} value={props.value} placeholder={props.hint} />
    </p>
  );
}

/** What an entry's detail says, compactly: `key: value` pairs. */
function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

function EntryRow({ entry }: { entry: AuditEntry }) {
  return (
    <tr>
      <td>
        <time datetime={entry.at}>{entry.at.replace('T', ' ').slice(0, 19)}</time>
      </td>
      <td>{entry.username || <span class="muted">nobody</span>}</td>
      <td>{entry.ip}</td>
      <td>
        <code>{entry.action}</code>
      </td>
      <td>{entry.target_type ? `${entry.target_type} ${entry.target_id ?? ''}` : ''}</td>
      <td class="detail">{detailText(entry.detail)}</td>
    </tr>
  );
}

/** GET /audit as a page: the same filters as the JSON API, newest first, a link to older entries. */
export function AuditPage(props: {
  ctx: PageContext;
  entries: AuditEntry[];
  form: AuditFormValues;
  /** The link to the next (older) page, or null on the last. */
  olderHref: string | null;
  everyone: boolean;
  error?: AppError;
}) {
  const { form } = props;
  return (
    <Layout ctx={props.ctx} title="Audit log">
      <h1>Audit log</h1>
      <p class="muted">
        {props.everyone
          ? 'What everyone did on this panel, newest first.'
          : 'What you did on this panel, newest first.'}
      </p>
      <form method="get" action="/audit" class="card filters">
        <ErrorMessage message={props.error?.message} />
        {props.everyone && <FilterField name="user" label="User" value={form.user} hint="name or id" />}
        <FilterField name="action" label="Action" value={form.action} hint="server.start or server" />
        <FilterField name="server" label="Server id" value={form.server} hint="e.g. 3" />
        <FilterField name="limit" label="Per page" value={form.limit} hint="50" />
        <button type="submit">Filter</button>
      </form>
      {props.entries.length === 0 ? (
        <p class="empty">No entries.</p>
      ) : (
        <table class="audit">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">From</th>
              <th scope="col">Action</th>
              <th scope="col">About</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <EntryRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      )}
      {props.olderHref && (
        <p>
          <a href={props.olderHref}>Older entries</a>
        </p>
      )}
    </Layout>
  );
}
