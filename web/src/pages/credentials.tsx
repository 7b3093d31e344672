import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { Dialog, ErrorText, FormActions, Labelled, formatTime, useAction } from '../components';
import { relay } from '../live/relay';
import { useCollection } from '../live/use-collection';

type Kind = 'basic' | 'token' | 'oauth2';

interface CredentialView {
  id: number;
  description: string;
  kind: Kind;
  username?: string;
  password_set?: boolean;
  token_set?: boolean;
  client_id?: string;
  token_url?: string;
  client_secret_set?: boolean;
  refresh_token_set?: boolean;
  auth_state?: string;
  auth_error?: string | null;
  next_refresh_at?: string | null;
  last_refresh_at?: string | null;
  access_token_expires_at?: string | null;
}

/** Where an OAuth2 credential's token refresh stands: its state (and error), next and last refresh. */
function refreshOf(c: CredentialView): string {
  const state = `${c.auth_state ?? ''}${c.auth_error ? `: ${c.auth_error}` : ''}`;
  return `${state}; next refresh ${formatTime(c.next_refresh_at)}; last refresh ${c.last_refresh_at ? formatTime(c.last_refresh_at) : 'never'}`;
}

/** Which secrets a credential has, as set / not set: the secrets themselves never come back. */
function secretsOf(c: CredentialView): string {
  const set = (flag: boolean | undefined) => (flag ? 'set' : 'not set');
  if (c.kind === 'basic') return `user ${c.username ?? ''}, password ${set(c.password_set)}`;
  if (c.kind === 'token') return `token ${set(c.token_set)}`;
  return `client ${c.client_id ?? ''}, secret ${set(c.client_secret_set)}, refresh token ${set(c.refresh_token_set)}`;
}

const FIELDS: Record<Kind, Array<{ name: string; label: string; secret: boolean }>> = {
  basic: [
    { name: 'username', label: 'Username', secret: false },
    { name: 'password', label: 'Password', secret: true },
  ],
  token: [{ name: 'token', label: 'Token', secret: true }],
  oauth2: [
    { name: 'client_id', label: 'Client ID', secret: false },
    { name: 'client_secret', label: 'Client secret', secret: true },
    { name: 'token_url', label: 'Token URL', secret: false },
    { name: 'refresh_token', label: 'Refresh token', secret: true },
  ],
};

export function CredentialsPage(): JSX.Element {
  const { items, error } = useCollection('credentials');
  const editing = useSignal<CredentialView | 'new' | null>(null);
  return (
    <section aria-labelledby="credentials-title">
      <h1 id="credentials-title">Credentials</h1>
      <div class="toolbar">
        <button type="button" onClick={() => (editing.value = 'new')}>
          Add credential
        </button>
      </div>
      <ErrorText text={error.value} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Kind</th>
              <th scope="col">Secrets</th>
              <th scope="col" class="optional">
                OAuth2
              </th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.value.map((c) => (
              <tr key={c.id}>
                <td>{c.description || `Credential ${c.id}`}</td>
                <td>{c.kind}</td>
                <td>{secretsOf(c)}</td>
                <td class="optional">{c.kind === 'oauth2' ? refreshOf(c) : '—'}</td>
                <td>
                  <button type="button" class="secondary" aria-label={`Edit ${c.description || `credential ${c.id}`}`} onClick={() => (editing.value = c)}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing.value && <CredentialForm credential={editing.value === 'new' ? null : editing.value} onClose={() => (editing.value = null)} />}
    </section>
  );
}

function CredentialForm({ credential, onClose }: { credential: CredentialView | null; onClose: () => void }): JSX.Element {
  const kind = useSignal<Kind>(credential?.kind ?? 'basic');
  const description = useSignal(credential?.description ?? '');
  const values = useSignal<Record<string, string>>(credential ? { username: credential.username ?? '', client_id: credential.client_id ?? '', token_url: credential.token_url ?? '' } : {});
  const action = useAction();
  const client = relay.value!;
  const fields = FIELDS[kind.value];

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    // A secret left empty on an edit keeps the stored one.
    const given = Object.fromEntries(fields.filter((f) => (values.value[f.name] ?? '') !== '' || (!credential && !f.secret)).map((f) => [f.name, values.value[f.name] ?? '']));
    const done = await action.run(() =>
      credential
        ? client.request('credentials', 'update', { entity: credential.id, payload: { description: description.value, ...given } })
        : client.request('credentials', 'create', { payload: { kind: kind.value, description: description.value, ...given } as never }),
    );
    if (done) onClose();
  };
  const remove = async (): Promise<void> => {
    if (credential && confirm('Delete this credential?') && (await action.run(() => client.request('credentials', 'delete', { entity: credential.id })))) onClose();
  };

  return (
    <Dialog title={credential ? 'Edit credential' : 'Add credential'} onClose={onClose}>
      <form onSubmit={(e) => void save(e)}>
        <Labelled label="Kind">
          <select value={kind.value} disabled={credential !== null} onChange={(e) => (kind.value = e.currentTarget.value as Kind)}>
            <option value="basic">Basic (username and password)</option>
            <option value="token">Token</option>
            <option value="oauth2">OAuth2</option>
          </select>
        </Labelled>
        <label>
          Description
          <input value={description.value} onInput={(e) => (description.value = e.currentTarget.value)} />
        </label>
        {fields.map((field) => (
          <label key={field.name}>
            {field.secret && credential ? `${field.label} (leave empty to keep)` : field.label}
            <input
              type={(field.secret ? 'password' : 'text') as 'text'}
              autocomplete="off"
              required={!credential}
              value={values.value[field.name] ?? ''}
              onInput={(e) => (values.value = { ...values.value, [field.name]: e.currentTarget.value })}
            />
          </label>
        ))}
        <ErrorText text={action.error} />
        <FormActions onDelete={credential ? () => void remove() : undefined} onCancel={onClose} busy={action.busy} />
      </form>
    </Dialog>
  );
}
