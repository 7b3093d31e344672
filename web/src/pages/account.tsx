import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { ErrorText, useAction } from '../components';
import { relay } from '../live/relay';
import { tokens } from '../session';

/** The signed-in user's own account: name, role, and a new password. */
export function AccountPage(): JSX.Element {
  const user = tokens.value!.user;
  const current = useSignal('');
  const next = useSignal('');
  const done = useSignal('');
  const action = useAction();
  const change = async (event: Event): Promise<void> => {
    event.preventDefault();
    done.value = '';
    const payload = { password: next.value, current_password: current.value };
    if (await action.run(() => relay.value!.request('users', 'update', { entity: user.id, payload }))) done.value = 'Password changed.';
  };
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <p>{`Signed in as ${user.username} (${user.role}).`}</p>
      <form class="panel" onSubmit={(e) => void change(e)}>
        <h2>Change password</h2>
        <label>
          Current password
          <input type="password" autocomplete="current-password" required value={current.value} onInput={(e) => (current.value = e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autocomplete="new-password" required value={next.value} onInput={(e) => (next.value = e.currentTarget.value)} />
        </label>
        <ErrorText text={action.error} />
        {done.value && <p role="status">{done.value}</p>}
        <button type="submit" disabled={action.busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
