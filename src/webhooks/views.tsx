/** The webhooks page: the user's webhooks (URLs masked, last delivery), a test button each, and the form. */
import type { AppError } from '../http/errors.js';
import { ButtonForm, ErrorMessage, Field, FieldFrame, Layout, type PageContext } from '../views/layout.js';
import { alertEvents, webhookFormats } from './input.js';
import type { Webhook } from './webhooks.js';

function lastDelivery(webhook: Webhook): string {
  if (!webhook.last_delivery_at) return 'never';
  const when = webhook.last_delivery_at.replace('T', ' ').slice(0, 19);
  if (webhook.last_error) return `${when}: ${webhook.last_error}`;
  return `${when}: HTTP ${webhook.last_status}`;
}

export function WebhooksPage(props: {
  ctx: PageContext;
  webhooks: Webhook[];
  body?: unknown;
  error?: AppError | undefined;
}) {
  const given = (typeof props.body === 'object' && props.body !== null ? props.body : {}) as Record<
    string,
    unknown
  >;
  const typed = (name: string) => (typeof given[name] === 'string' ? (given[name] as string) : '');
  const checked = new Set(
    [given.events ?? ['crashed', 'crash_loop', 'hang', 'failed', 'schedule_failed']].flat().map(String),
  );
  const fields = props.error?.fields ?? {};
  return (
    <Layout ctx={props.ctx} title="Alerts">
      <h1>Alerts</h1>
      <p class="muted">
        Webhooks the panel calls when one of your servers crashes, hangs or fails, when a schedule fails, and
        (for admins) on game updates. Discord: paste a channel's webhook URL.
      </p>
      {props.webhooks.length === 0 ? (
        <p class="empty">No webhooks yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Format</th>
              <th scope="col">Events</th>
              <th scope="col">Last delivery</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.webhooks.map((webhook) => (
              <tr key={webhook.id}>
                <td>
                  <code>{webhook.url}</code>
                </td>
                <td>{webhook.format}</td>
                <td>{webhook.events.join(', ')}</td>
                <td>{lastDelivery(webhook)}</td>
                <td>
                  <ButtonForm
                    action={`/webhooks/${webhook.id}/test`}
                    label="Test"
                    ariaLabel={`Test webhook ${webhook.id}`}
                  />{' '}
                  <ButtonForm
                    action={`/webhooks/${webhook.id}/delete`}
                    label="Delete"
                    ariaLabel={`Delete webhook ${webhook.id}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>New webhook</h2>
      <form method="post" action="/webhooks" class="card">
        <ErrorMessage message={props.error?.message} />
        <Field
          label="URL"
          name="url"
          value={typed('url')}
          error={fields.url}
          required
          hint="http or https; shown masked once saved."
        />
        <FieldFrame label="Format" name="format" error={fields.format}>
          <select id="field-format" name="format">
            {webhookFormats.map((format) => (
              <option key={format} value={format} selected={typed('format') === format}>
                {format}
              </option>
            ))}
          </select>
        </FieldFrame>
        <fieldset>
          <legend>Events</legend>
          {fields.events && <span class="field-error">{fields.events}</span>}
          {alertEvents.map((event) => (
            <label key={event} class="check">
              <input type="checkbox" name="events" value={event} checked={checked.has(event)} /> {event}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save webhook</button>
      </form>
    </Layout>
  );
}
