import type { UserListItem } from '../auth/users.js';
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

/** What the users page shows besides the list: a password just reset (once), or why a form failed. */
export interface UsersShown {
  newPassword?: { username: string; password: string };
  createError?: AppError;
  typedUsername?: string;
  changeError?: AppError;
}

/** A button that posts `field=value` to the user's PATCH twin. */
function ChangeButton(props: {
  user: UserListItem;
  field: string;
  value: string;
  label: string;
  danger?: boolean;
}) {
  return (
    <ButtonForm
      action={`/users/${props.user.id}`}
      fields={{ [props.field]: props.value }}
      label={props.label}
      ariaLabel={`${props.label} ${props.user.username}`}
      class={props.danger ? 'secondary danger' : 'secondary'}
    />
  );
}

function UserRow({ user, me }: { user: UserListItem; me: number }) {
  return (
    <tr>
      <td>
        {user.username}
        {user.id === me && <span class="muted"> (you)</span>}
      </td>
      <td>{user.role}</td>
      <td>{user.disabled ? 'disabled' : 'active'}</td>
      <td>{user.totp_enabled ? 'on' : 'off'}</td>
      <td>
        <time datetime={user.created_at}>{user.created_at.slice(0, 10)}</time>
      </td>
      <td class="actions">
        {user.disabled ? (
          <ChangeButton user={user} field="disabled" value="false" label="Enable" />
        ) : (
          <ChangeButton user={user} field="disabled" value="true" label="Disable" danger />
        )}
        {user.role === 'admin' ? (
          <ChangeButton user={user} field="role" value="user" label="Make user" />
        ) : (
          <ChangeButton user={user} field="role" value="admin" label="Make admin" />
        )}
        <ButtonForm
          action={`/users/${user.id}/password`}
          label="Reset password"
          ariaLabel={`Reset the password of ${user.username}`}
        />
        {user.totp_enabled && (
          <ChangeButton user={user} field="totp_enabled" value="false" label="Turn off two-factor for" />
        )}
      </td>
    </tr>
  );
}

/** The admin's list of accounts, what can be done to each, and a form that adds one. */
export function UsersPage({
  ctx,
  users,
  me,
  shown,
}: {
  ctx: PageContext;
  users: UserListItem[];
  me: number;
  shown: UsersShown;
}) {
  const error = shown.createError;
  return (
    <Layout ctx={ctx} title="Users">
      <h1>Users</h1>
      {shown.newPassword && (
        <div class="card new-secret" role="status">
          <p>
            The new password of <strong>{shown.newPassword.username}</strong>. Give it to them now: it is not
            shown again. Their sessions have ended.
          </p>
          <pre data-new-password>{shown.newPassword.password}</pre>
        </div>
      )}
      <ErrorMessage message={shown.changeError?.message} />
      <table>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Two-factor</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow key={user.id} user={user} me={me} />
          ))}
        </tbody>
      </table>
      <h2>Add an account</h2>
      <FormCard action="/users" error={error?.message} submit="Add account">
        <Field
          label="Username"
          name="username"
          value={shown.typedUsername ?? ''}
          error={error?.fields?.username}
          required
          autocomplete="off"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value=""
          error={error?.fields?.password}
          required
          autocomplete="new-password"
        />
        <FieldFrame label="Role" name="role" error={error?.fields?.role}>
          <select id="field-role" name="role">
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </FieldFrame>
      </FormCard>
    </Layout>
  );
}
