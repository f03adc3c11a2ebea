/** The account page (password, API tokens, two-factor sign-in) and the pages that show a secret once. */
import type { ApiToken } from '../auth/tokens.js';
import type { TotpSetup } from '../auth/totp.js';
import type { AppError } from '../http/errors.js';
import {
  ButtonForm,
  ErrorMessage,
  Field,
  FieldFrame,
  FormCard,
  Layout,
  type PageContext,
} from '../views/layout.js';

/** What the account page shows besides the stored facts: a token just made, or why a form failed. */
export interface AccountShown {
  newToken?: { id: number; name: string; token: string };
  tokenError?: AppError;
  tokenName?: string;
  passwordError?: AppError;
  totpError?: AppError;
}

const day = (time: string | null, otherwise: string) =>
  time ? <time datetime={time}>{time.slice(0, 10)}</time> : otherwise;

function PasswordSection({ error }: { error: AppError | undefined }) {
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <p class="muted">Changing it signs you out everywhere else.</p>
      <FormCard action="/account/password" error={error?.message} submit="Change password">
        <Field
          label="Current password"
          name="current_password"
          type="password"
          value=""
          error={error?.fields?.current_password}
          required
          autocomplete="current-password"
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          value=""
          error={error?.fields?.new_password}
          required
          autocomplete="new-password"
          hint="At least 8 characters."
        />
      </FormCard>
    </section>
  );
}

function TokensSection({ tokens, shown }: { tokens: ApiToken[]; shown: AccountShown }) {
  const error = shown.tokenError;
  return (
    <section id="tokens" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p class="muted">
        For scripts and bots: send <code>Authorization: Bearer &lt;token&gt;</code>. A read token may only
        read; a write token may do what you may.
      </p>
      {shown.newToken && (
        <div class="card new-secret" role="status">
          <p>
            Your new token <strong>{shown.newToken.name}</strong>. Copy it now: it is not shown again.
          </p>
          <pre data-new-token>{shown.newToken.token}</pre>
        </div>
      )}
      {tokens.length === 0 ? (
        <p class="empty">No tokens yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.scope}</td>
                <td>{day(token.created_at, '')}</td>
                <td>{day(token.expires_at, 'never')}</td>
                <td>{day(token.last_used_at, 'never')}</td>
                <td>
                  <ButtonForm
                    action={`/account/tokens/${token.id}/delete`}
                    label="Revoke"
                    ariaLabel={`Revoke ${token.name}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>New token</h3>
      <FormCard action="/account/tokens" error={error?.message} submit="Create token">
        <Field label="Name" name="name" value={shown.tokenName ?? ''} error={error?.fields?.name} required />
        <FieldFrame label="Scope" name="scope" error={error?.fields?.scope}>
          <select id="field-scope" name="scope">
            <option value="read">read: look only</option>
            <option value="write">write: start, stop, change</option>
          </select>
        </FieldFrame>
        <FieldFrame label="Expires" name="expires_in_days" error={error?.fields?.expires_in_days}>
          <select id="field-expires_in_days" name="expires_in_days">
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="">never</option>
          </select>
        </FieldFrame>
      </FormCard>
    </section>
  );
}

function TotpSection(props: { enabled: boolean; codesLeft: number; error: AppError | undefined }) {
  return (
    <section id="two-factor" aria-labelledby="totp-heading">
      <h2 id="totp-heading">Two-factor sign-in</h2>
      {props.enabled ? (
        <>
          <p>
            <strong>On.</strong> Signing in asks for a code from your authenticator app. {props.codesLeft} of
            10 recovery codes left.
          </p>
          <FormCard
            action="/account/totp/delete"
            error={props.error?.message}
            submit="Turn off two-factor sign-in"
          >
            <Field
              label="Current code"
              name="code"
              value=""
              error={props.error?.fields?.code}
              required
              autocomplete="one-time-code"
            />
          </FormCard>
        </>
      ) : (
        <form method="post" action="/account/totp" class="card">
          <ErrorMessage message={props.error?.message} />
          <p>Off. With it on, a stolen password alone does not sign anyone in.</p>
          <button type="submit">Set up two-factor sign-in</button>
        </form>
      )}
    </section>
  );
}

export function AccountPage(props: {
  ctx: PageContext;
  tokens: ApiToken[];
  totpEnabled: boolean;
  recoveryCodesLeft: number;
  shown: AccountShown;
}) {
  return (
    <Layout ctx={props.ctx} title="Account">
      <h1>Account {props.ctx.user?.username}</h1>
      <PasswordSection error={props.shown.passwordError} />
      <TokensSection tokens={props.tokens} shown={props.shown} />
      <TotpSection
        enabled={props.totpEnabled}
        codesLeft={props.recoveryCodesLeft}
        error={props.shown.totpError}
      />
    </Layout>
  );
}

/** Step two of setting up: scan (or type) the secret, then prove it with a code. */
export function TotpSetupPage({ ctx, setup }: { ctx: PageContext; setup: TotpSetup }) {
  return (
    <Layout ctx={ctx} title="Set up two-factor sign-in">
      <h1>Set up two-factor sign-in</h1>
      <ol>
        <li>Scan this code with an authenticator app (or type the key below into it).</li>
        <li>Enter the six-digit code the app shows.</li>
      </ol>
      {/* Our own SVG (uqr's rendering of the otpauth URI): no user text reaches it as markup. */}
      <div
        class="qr"
        role="img"
        aria-label="QR code of the two-factor key"
        dangerouslySetInnerHTML={{ __html: setup.qr_svg }}
      />
      <p>
        Key: <code data-totp-secret>{setup.secret}</code>
      </p>
      <FormCard action="/account/totp/confirm" error={undefined} submit="Turn on">
        <Field label="Code" name="code" value="" required autocomplete="one-time-code" />
      </FormCard>
      <p>
        <a href="/account">Not now</a>
      </p>
    </Layout>
  );
}

/** Two-factor sign-in is on: the recovery codes, this once. */
export function RecoveryCodesPage({ ctx, codes }: { ctx: PageContext; codes: string[] }) {
  return (
    <Layout ctx={ctx} title="Recovery codes">
      <h1>Two-factor sign-in is on</h1>
      <p>
        Keep these recovery codes somewhere safe: each signs you in once if you lose your authenticator. They
        are not shown again.
      </p>
      <ul class="recovery-codes" data-recovery-codes>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}
