import type { AppError } from '../../http/errors.js';
import { ErrorMessage, Field, FormCard } from '../../views/layout.js';
import { type Permission, permissions } from '../access.js';
import type { Member } from '../members.js';
import type { Server } from '../servers.js';

const labels: Record<Permission, string> = {
  view: 'view',
  control: 'control (start, stop, restart)',
  console: 'console (commands, kick, map)',
  settings: 'settings (name, port, blueprint)',
};

/** One checkbox per permission beyond `view` (which every member has). */
function PermissionBoxes({ idPrefix, granted }: { idPrefix: string; granted: readonly Permission[] }) {
  return (
    <fieldset class="permissions">
      <legend>May also</legend>
      {permissions
        .filter((permission) => permission !== 'view')
        .map((permission) => {
          const id = `${idPrefix}-${permission}`;
          return (
            <label key={permission} for={id} class="check">
              <input
                type="checkbox"
                id={id}
                name="permissions"
                value={permission}
                checked={granted.includes(permission)}
              />{' '}
              {labels[permission]}
            </label>
          );
        })}
    </fieldset>
  );
}

/** Who else sees the server and what they may do; shown to its owner and admins only. */
export function MembersSection(props: {
  server: Server;
  members: Member[];
  error?: AppError | undefined;
  typedUsername?: string | undefined;
}) {
  const { server, members, error } = props;
  return (
    <section id="members" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <p class="muted">
        People this server is shared with. Every member may view it; tick what else they may do.
      </p>
      {members.length === 0 ? (
        <p class="empty">Nobody else sees this server.</p>
      ) : (
        <ul class="members">
          {members.map((member) => (
            <li key={member.user_id} class="card">
              <form method="post" action={`/servers/${server.id}/members/${member.user_id}`}>
                <strong>{member.username}</strong>
                <PermissionBoxes idPrefix={`member-${member.user_id}`} granted={member.permissions} />
                <button type="submit" class="secondary" aria-label={`Save permissions of ${member.username}`}>
                  Save
                </button>
              </form>
              <form
                method="post"
                action={`/servers/${server.id}/members/${member.user_id}/delete`}
                class="inline"
              >
                <button type="submit" class="secondary" aria-label={`Remove ${member.username}`}>
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <h3>Share with</h3>
      <FormCard action={`/servers/${server.id}/members`} error={undefined} submit="Add member">
        <ErrorMessage message={error && !error.fields?.username ? error.message : undefined} />
        <Field
          label="Username"
          name="username"
          value={props.typedUsername ?? ''}
          error={error?.fields?.username}
          required
          autocomplete="off"
        />
        <PermissionBoxes idPrefix="new-member" granted={[]} />
      </FormCard>
    </section>
  );
}
