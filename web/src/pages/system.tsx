import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JSX } from 'preact';
import { ErrorText, useAction } from '../components';
import { relay } from '../live/relay';

interface Health {
  status: 'ok' | 'degraded';
  version: string;
  database: 'up';
  warnings: Array<{ code: string; message: string }>;
}

/** Health of the database and MediaMTX's hooks, the version, and a broadcast to every client. */
export function SystemPage(): JSX.Element {
  const client = relay.value!;
  const health = useSignal<Health | null>(null);
  const healthError = useSignal('');
  const message = useSignal('');
  const sent = useSignal('');
  const action = useAction();

  const check = (): void => {
    client.request('health', 'list').then(
      (answer) => {
        health.value = answer;
        healthError.value = '';
      },
      (failure: Error) => (healthError.value = failure.message),
    );
  };
  useEffect(check, [client]);

  const broadcast = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (await action.run(() => client.request('messages', 'create', { payload: { message: message.value } }))) {
      sent.value = `Sent: ${message.value}`;
      message.value = '';
    }
  };

  return (
    <section aria-labelledby="system-title">
      <h1 id="system-title">System</h1>
      <div class="panel">
        <h2>Health</h2>
        <ErrorText text={healthError.value} />
        {health.value && (
          <dl>
            <dt>Relay</dt>
            <dd>{`${health.value.status}, version ${health.value.version}`}</dd>
            <dt>Database</dt>
            <dd>{health.value.database}</dd>
            <dt>MediaMTX</dt>
            <dd>{health.value.warnings.length === 0 ? 'hooks arriving' : health.value.warnings.map((w) => w.message).join('; ')}</dd>
          </dl>
        )}
        <button type="button" class="secondary" onClick={check}>
          Check again
        </button>
      </div>
      <form class="panel" onSubmit={(e) => void broadcast(e)}>
        <h2>Broadcast a message</h2>
        <label>
          Message to every connected client
          <input required value={message.value} onInput={(e) => (message.value = e.currentTarget.value)} />
        </label>
        <ErrorText text={action.error} />
        {sent.value && <p role="status">{sent.value}</p>}
        <button type="submit" disabled={action.busy}>
          Send
        </button>
      </form>
    </section>
  );
}
