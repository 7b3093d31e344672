import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JSX } from 'preact';
import { connect, connectError, connection, relay } from './live/relay';
import { AccountPage } from './pages/account';
import { CamerasPage } from './pages/cameras';
import { CredentialsPage } from './pages/credentials';
import { LogsPage } from './pages/logs';
import { SystemPage } from './pages/system';
import { TokensPage } from './pages/tokens';
import { UsersPage } from './pages/users';
import { route } from './router';
import { signOut, tokens } from './session';

interface PageEntry {
  id: string;
  title: string;
  adminOnly: boolean;
  render: () => JSX.Element;
}

export const PAGES: PageEntry[] = [
  { id: 'cameras', title: 'Cameras', adminOnly: false, render: () => <CamerasPage /> },
  { id: 'users', title: 'Users', adminOnly: true, render: () => <UsersPage /> },
  { id: 'credentials', title: 'Credentials', adminOnly: true, render: () => <CredentialsPage /> },
  { id: 'tokens', title: 'Stream tokens', adminOnly: false, render: () => <TokensPage /> },
  { id: 'logs', title: 'Logs', adminOnly: true, render: () => <LogsPage /> },
  { id: 'system', title: 'System', adminOnly: true, render: () => <SystemPage /> },
  { id: 'account', title: 'Account', adminOnly: false, render: () => <AccountPage /> },
];

/** The last broadcast (`system:message`), shown until dismissed. */
function useBroadcast(): { text: string; dismiss: () => void } {
  const text = useSignal('');
  const client = relay.value;
  useEffect(() => client?.on('system:message', (event) => (text.value = `${event.from}: ${event.message}`)), [client]);
  return { text: text.value, dismiss: () => (text.value = '') };
}

export function Shell(): JSX.Element {
  const user = tokens.value!.user;
  // One live connection per signed-in user; the client refreshes its tokens itself.
  useEffect(() => connect(tokens.value!), [user.id]);
  const broadcast = useBroadcast();
  const pages = PAGES.filter((page) => !page.adminOnly || user.role === 'admin');
  const page = pages.find((entry) => entry.id === route.value) ?? pages[0];
  const down = relay.value !== null && connection.value === 'reconnecting';
  return (
    <div class="shell">
      <header>
        <a
          class="skip"
          href="#main"
          onClick={(event) => {
            event.preventDefault();
            document.getElementById('main')?.focus();
          }}
        >
          Skip to content
        </a>
        <span class="brand">mtx-relay</span>
        <nav aria-label="Pages">
          <ul>
            {pages.map((entry) => (
              <li key={entry.id}>
                <a href={`#/${entry.id}`} aria-current={entry === page ? 'page' : undefined}>
                  {entry.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">{`${user.username} (${user.role})`}</span>
        <button type="button" class="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {down && (
        <div class="banner" role="status">
          The connection to the relay is down: reconnecting. What you see may be out of date until it is back.
        </div>
      )}
      {broadcast.text && (
        <div class="notice" role="status">
          {`Message from ${broadcast.text} `}
          <button type="button" class="secondary" onClick={broadcast.dismiss}>
            Dismiss
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {relay.value ? page.render() : <p role="status">{connectError.value || 'Connecting…'}</p>}
      </main>
    </div>
  );
}
