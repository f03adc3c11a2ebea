import type { ComponentChildren } from 'preact';
import type { Role } from '../db/schema.js';

/** What every page knows about the request it answers. */
export interface PageContext {
  /** Who is signed in (the session's user), for the header. */
  user: { username: string; role: Role } | null;
  /** A one-line notice after a redirect ("Server created."). */
  flash: string | null;
}

/**
 * The page around every view. The one script is same-origin (CSP allows no inline script) and only
 * adds to what the HTML already does: live updates and the console in place.
 */
export function Layout({
  ctx,
  title,
  script,
  children,
}: {
  ctx: PageContext;
  title: string;
  /** One more same-origin script, for a page that needs its own (the Install page). */
  script?: string;
  children: ComponentChildren;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · l4d2web`}</title>
        <link rel="stylesheet" href="/static/style.css" />
        <script type="module" src="/static/js/live.js" />
        {script && <script type="module" src={script} />}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            l4d2web
          </a>
          {ctx.user && (
            <nav aria-label="Main">
              <a href="/">Dashboard</a>
              <a href="/servers">Servers</a>
              <a href="/blueprints">Blueprints</a>
              <a href="/addons">Addons</a>
              <a href="/schedules">Schedules</a>
              <a href="/webhooks">Alerts</a>
              <a href="/audit">Audit</a>
              {ctx.user.role === 'admin' && <a href="/install">Install</a>}
              {ctx.user.role === 'admin' && <a href="/users">Users</a>}
              <a href="/account">Account</a>
              <form method="post" action="/logout" class="inline">
                <button type="submit" class="link">
                  Log out {ctx.user.username}
                </button>
              </form>
            </nav>
          )}
        </header>
        <main id="main">
          {ctx.flash && (
            <p class="flash" role="status">
              {ctx.flash}
            </p>
          )}
          {children}
        </main>
      </body>
    </html>
  );
}

/** The message of a failed request, shown above the form that caused it. */
export function ErrorMessage({ message }: { message: string | null | undefined }) {
  return message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;
}

/** A form card posting to `action`: the message of its failed submit above the fields, its button below. */
export function FormCard(props: {
  action: string;
  error: string | undefined;
  submit: string;
  children: ComponentChildren;
}) {
  return (
    <form method="post" action={props.action} class="card">
      <ErrorMessage message={props.error} />
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** The attributes that tie a form control to its error message (for screen readers). */
export function errorAria(id: string, error: string | undefined) {
  return {
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
  };
}

/** A labelled form control (the child, whose id is `field-<name>`) with its hint and error below it. */
export function FieldFrame(props: {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: ComponentChildren;
}) {
  const id = `field-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      {props.children}
      {props.hint && <small>{props.hint}</small>}
      {props.error && (
        <span class="field-error" id={`${id}-error`}>
          {props.error}
        </span>
      )}
    </p>
  );
}

/** A form that is one button (and hidden fields): plain HTML, so it works without JavaScript. */
export function ButtonForm(props: {
  action: string;
  label: string;
  /** What a screen reader announces: the label with what it acts on ("Revoke ci-token"). */
  ariaLabel: string;
  fields?: Record<string, string>;
  class?: string;
}) {
  return (
    <form method="post" action={props.action} class="inline">
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.class ?? 'secondary'} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

/** A labelled input with its error beside it. */
export function Field(props: {
  label: string;
  name: string;
  value: string;
  error?: string | undefined;
  type?: 'text' | 'password';
  hint?: string;
  required?: boolean;
  autocomplete?: string;
}) {
  const id = `field-${props.name}`;
  const attributes = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    autocomplete: props.autocomplete,
    ...errorAria(id, props.error),
  };
  return (
    <FieldFrame {...props}>
      {props.type === 'password' ? (
        <input type="password" {...attributes} />
      ) : (
        <input type="text" {...attributes} />
      )}
    </FieldFrame>
  );
}

/** A textarea with its error beside it: one item per line. */
export function TextAreaField(props: {
  label: string;
  name: string;
  value: string;
  error?: string | undefined;
  hint?: string;
  rows?: number;
}) {
  const id = `field-${props.name}`;
  return (
    <FieldFrame {...props}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 6}
        spellcheck={false}
        {...errorAria(id, props.error)}
      >
        {props.value}
      </textarea>
    </FieldFrame>
  );
}

/** A page that only says what went wrong (404s and the like). */
export function ErrorPage({ ctx, status, message }: { ctx: PageContext; status: number; message: string }) {
  return (
    <Layout ctx={ctx} title={`Error ${status}`}>
      <h1>Error {status}</h1>
      <ErrorMessage message={message} />
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </Layout>
  );
}
