import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import type { UserView } from '@mtx-relay/client';
import { Dialog, ErrorText, FormActions, Labelled, useAction } from '../components';
import { online, relay } from '../live/relay';
import { useCollection } from '../live/use-collection';

export function UsersPage(): JSX.Element {
  const { items, error } = useCollection('users');
  const cameras = useCollection('cameras').items;
  const editing = useSignal<UserView | 'new' | null>(null);
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <div class="toolbar">
        <button type="button" onClick={() => (editing.value = 'new')}>
          Add user
        </button>
      </div>
      <ErrorText text={error.value} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Can log in</th>
              <th scope="col" class="optional">
                Cameras
              </th>
              <th scope="col">Online</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.value.map((user) => (
              <tr key={user.id}>
                <td>{user.username}</td>
                <td>{user.role}</td>
                <td>{user.can_login ? 'Yes' : 'No'}</td>
                <td class="optional">{user.role === 'admin' ? 'All' : user.camera_ids.length}</td>
                <td>{online.value.has(user.id) ? <span class="status on">Online</span> : <span class="status off">Offline</span>}</td>
                <td>
                  <button type="button" class="secondary" aria-label={`Edit ${user.username}`} onClick={() => (editing.value = user)}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing.value && (
        <UserForm user={editing.value === 'new' ? null : editing.value} cameras={cameras.value} onClose={() => (editing.value = null)} />
      )}
    </section>
  );
}

function UserForm({ user, cameras, onClose }: { user: UserView | null; cameras: Array<{ id: number; name: string }>; onClose: () => void }): JSX.Element {
  const username = useSignal(user?.username ?? '');
  const password = useSignal('');
  const role = useSignal<'admin' | 'user'>(user?.role ?? 'user');
  const canLogin = useSignal(user?.can_login ?? true);
  const grants = useSignal(new Set(user?.camera_ids ?? []));
  const action = useAction();
  const client = relay.value!;

  const toggle = (id: number, on: boolean): void => {
    const next = new Set(grants.value);
    if (on) next.add(id);
    else next.delete(id);
    grants.value = next;
  };
  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const common = { username: username.value, role: role.value, can_login: canLogin.value, camera_ids: [...grants.value] };
    const done = await action.run(() =>
      user
        ? client.request('users', 'update', { entity: user.id, payload: { ...common, ...(password.value ? { password: password.value } : {}) } })
        : client.request('users', 'create', { payload: { ...common, password: password.value } }),
    );
    if (done) onClose();
  };
  const remove = async (): Promise<void> => {
    if (user && confirm(`Delete user ${user.username}?`) && (await action.run(() => client.request('users', 'delete', { entity: user.id })))) onClose();
  };

  return (
    <Dialog title={user ? `Edit ${user.username}` : 'Add user'} onClose={onClose}>
      <form onSubmit={(e) => void save(e)}>
        <label>
          Username
          <input required value={username.value} onInput={(e) => (username.value = e.currentTarget.value)} />
        </label>
        <label>
          {user ? 'New password (leave empty to keep)' : 'Password'}
          <input type="password" autocomplete="new-password" required={!user} value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
        </label>
        <Labelled label="Role">
          <select value={role.value} onChange={(e) => (role.value = e.currentTarget.value as 'user')}>
            <option value="user">User</option>
            <option value="admin">Admin</option>
          </select>
        </Labelled>
        <label class="inline">
          <input type="checkbox" checked={canLogin.value} onChange={(e) => (canLogin.value = e.currentTarget.checked)} />
          Can log in
        </label>
        <fieldset>
          <legend>Cameras this user may watch</legend>
          {cameras.length === 0 && <p class="muted">No cameras yet.</p>}
          {cameras.map((camera) => (
            <label class="inline" key={camera.id}>
              <input type="checkbox" checked={grants.value.has(camera.id)} onChange={(e) => toggle(camera.id, e.currentTarget.checked)} />
              {camera.name}
            </label>
          ))}
        </fieldset>
        <ErrorText text={action.error} />
        <FormActions onDelete={user ? () => void remove() : undefined} onCancel={onClose} busy={action.busy} />
      </form>
    </Dialog>
  );
}
