import type { ComponentChildren } from 'preact';
import { ErrorMessage, Field, Layout, type PageContext } from '../views/layout.js';

export interface CredentialsForm {
  username: string;
  error?: string | undefined;
  fields?: Record<string, string> | undefined;
}

function CredentialsFields({
  form,
  passwordAutocomplete,
}: {
  form: CredentialsForm;
  passwordAutocomplete: string;
}) {
  return (
    <>
      <ErrorMessage message={form.error} />
      <Field
        label="Username"
        name="username"
        value={form.username}
        error={form.fields?.username}
        required
        autocomplete="username"
      />
      <Field
        label="Password"
        name="password"
        type="password"
        value=""
        error={form.fields?.password}
        required
        autocomplete={passwordAutocomplete}
      />
    </>
  );
}

/** The login and the register page: the same form, with their own words around it. */
function CredentialsPage(props: {
  ctx: PageContext;
  form: CredentialsForm;
  title: string;
  heading: string;
  submit: string;
  action: string;
  passwordAutocomplete: string;
  before?: ComponentChildren;
  after?: ComponentChildren;
}) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1>{props.heading}</h1>
      {props.before}
      <form method="post" action={props.action} class="card narrow">
        <CredentialsFields form={props.form} passwordAutocomplete={props.passwordAutocomplete} />
        <button type="submit">{props.submit}</button>
      </form>
      {props.after}
    </Layout>
  );
}

export function LoginPage(props: { ctx: PageContext; form: CredentialsForm; canRegister: boolean }) {
  return (
    <CredentialsPage
      {...props}
      title="Log in"
      heading="Log in"
      submit="Log in"
      action="/login"
      passwordAutocomplete="current-password"
      after={
        props.canRegister && (
          <p>
            No account yet? <a href="/register">Create one</a>.
          </p>
        )
      }
    />
  );
}

/** Registration; on a fresh panel, the first visitor's page: the account that will administer it. */
export function RegisterPage(props: { ctx: PageContext; form: CredentialsForm; firstAccount: boolean }) {
  const title = props.firstAccount ? 'Create the administrator account' : 'Create account';
  return (
    <CredentialsPage
      {...props}
      title={title}
      heading={props.firstAccount ? title : 'Create an account'}
      submit="Create account"
      action="/register"
      passwordAutocomplete="new-password"
      before={
        props.firstAccount && (
          <p>
            No account exists yet. This one administers the panel: it manages users, and sees every server.
          </p>
        )
      }
    />
  );
}

/**
 * The second step of a two-factor sign-in: the code only. The password is not in this form; the
 * signed login token says it was right (for five minutes).
 */
export function CodePage(props: {
  ctx: PageContext;
  loginToken: string;
  error?: string | undefined;
  fields?: Record<string, string> | undefined;
}) {
  return (
    <Layout ctx={props.ctx} title="Two-factor code">
      <h1>Enter your code</h1>
      <p>
        Open your authenticator app and enter the six-digit code it shows for l4d2web, or one of your recovery
        codes.
      </p>
      <form method="post" action="/login/code" class="card narrow">
        <ErrorMessage message={props.error} />
        <input type="hidden" name="login_token" value={props.loginToken} />
        <Field
          label="Code"
          name="code"
          value=""
          error={props.fields?.code}
          required
          autocomplete="one-time-code"
        />
        <button type="submit">Verify</button>
      </form>
      <p>
        <a href="/login">Start again</a>
      </p>
    </Layout>
  );
}
