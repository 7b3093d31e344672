import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { signIn, signInNotice } from '../session';

export function SignIn(): JSX.Element {
  const username = useSignal('');
  const password = useSignal('');
  const error = useSignal('');
  const busy = useSignal(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      await signIn(username.value, password.value);
    } catch (failure) {
      error.value = (failure as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="sign-in">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">mtx-relay</h1>
        {signInNotice.value && (
          <p class="notice" role="status">
            {signInNotice.value}
          </p>
        )}
        <label>
          Username
          <input name="username" autocomplete="username" required value={username.value} onInput={(e) => (username.value = e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
        </label>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" disabled={busy.value}>
          Sign in
        </button>
      </form>
    </main>
  );
}
