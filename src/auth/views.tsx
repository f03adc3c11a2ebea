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

export function LoginPage({
  ctx,
  form,
  canRegister,
}: {
  ctx: PageContext;
  form: CredentialsForm;
  canRegister: boolean;
}) {
  return (
    <Layout ctx={ctx} title="Log in">
      <h1>Log in</h1>
      <form method="post" action="/login" class="card narrow">
        <CredentialsFields form={form} passwordAutocomplete="current-password" />
        <button type="submit">Log in</button>
      </form>
      {canRegister && (
        <p>
          No account yet? <a href="/register">Create one</a>.
        </p>
      )}
    </Layout>
  );
}

export function RegisterPage({
  ctx,
  form,
  firstAccount,
}: {
  ctx: PageContext;
  form: CredentialsForm;
  firstAccount: boolean;
}) {
  return (
    <Layout ctx={ctx} title="Create account">
      <h1>Create an account</h1>
      {firstAccount && <p>This is the first account: it will be the panel's administrator.</p>}
      <form method="post" action="/register" class="card narrow">
        <CredentialsFields form={form} passwordAutocomplete="new-password" />
        <button type="submit">Create account</button>
      </form>
    </Layout>
  );
}
