import { Field, Layout, type PageContext } from '../views/layout.js';

export interface UserListItem {
  id: number;
  username: string;
  role: string;
  created_at: string;
}

/** The admin's list of accounts, with a form that adds one (it posts to /register). */
export function UsersPage({ ctx, users }: { ctx: PageContext; users: UserListItem[] }) {
  return (
    <Layout ctx={ctx} title="Users">
      <h1>Users</h1>
      <table>
        <thead>
          <tr>
            <th>Username</th>
            <th>Role</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>{user.role}</td>
              <td>
                <time datetime={user.created_at}>{user.created_at.slice(0, 10)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Add an account</h2>
      <form method="post" action="/register" class="card narrow">
        <Field label="Username" name="username" value="" required autocomplete="off" />
        <Field
          label="Password"
          name="password"
          type="password"
          value=""
          required
          autocomplete="new-password"
        />
        <button type="submit">Add account</button>
      </form>
    </Layout>
  );
}
