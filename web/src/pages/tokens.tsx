import { useComputed, useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { CopyField, ErrorText, Labelled, formatTime, useAction } from '../components';
import { relay } from '../live/relay';
import { useCollection } from '../live/use-collection';

interface TokenView {
  id: number;
  user_id: number;
  camera_id: number;
  label: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

interface CreatedToken extends TokenView {
  token: string;
  urls: { rtsp: string; hls: string };
}

/** Read-only tokens for one camera, for players such as Home Assistant. */
export function TokensPage(): JSX.Element {
  const client = relay.value!;
  const cameras = useCollection('cameras').items;
  const tokens = useCollection('tokens');
  // Newest first: ids are handed out in order of creation.
  const items = useComputed(() => [...tokens.items.value].reverse());
  const error = tokens.error;
  const cameraId = useSignal('');
  const label = useSignal('Home Assistant');
  const created = useSignal<CreatedToken | null>(null);
  const action = useAction();
  const cameraName = (id: number): string => cameras.value.find((camera) => camera.id === id)?.name ?? `Camera ${id}`;

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const camera = Number(cameraId.value || cameras.value[0]?.id);
    await action.run(async () => {
      created.value = await client.request('tokens', 'create', { payload: { camera_id: camera, label: label.value } });
    });
  };
  const revoke = async (token: TokenView): Promise<void> => {
    if (confirm(`Revoke "${token.label}"? Players using it are disconnected.`)) await action.run(() => client.request('tokens', 'delete', { entity: token.id }));
  };

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Stream tokens</h1>
      <form class="panel" onSubmit={(e) => void create(e)} aria-label="New stream token">
        <h2>New stream token</h2>
        <div class="toolbar">
          <Labelled label="Camera">
            <select value={cameraId.value || String(cameras.value[0]?.id ?? '')} onChange={(e) => (cameraId.value = e.currentTarget.value)}>
              {cameras.value.map((camera) => (
                <option key={camera.id} value={String(camera.id)}>
                  {camera.name}
                </option>
              ))}
            </select>
          </Labelled>
          <label>
            Label
            <input required value={label.value} onInput={(e) => (label.value = e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={action.busy || cameras.value.length === 0}>
            Create token
          </button>
        </div>
        <ErrorText text={action.error} />
        {created.value && (
          <div role="status" data-testid="created-token">
            <p>
              <strong>Shown once:</strong> copy it now. Paste the RTSP URL into Home Assistant's camera (generic camera, stream source).
            </p>
            <CopyField label="RTSP URL" value={created.value.urls.rtsp} />
            <CopyField label="HLS URL" value={created.value.urls.hls} />
            <CopyField label="Token" value={created.value.token} />
          </div>
        )}
      </form>
      <ErrorText text={error.value} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Camera</th>
              <th scope="col" class="optional">
                Expires
              </th>
              <th scope="col" class="optional">
                Last used
              </th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.value.map((token) => (
              <tr key={token.id} data-token={token.label}>
                <td>{token.label}</td>
                <td>{cameraName(token.camera_id)}</td>
                <td class="optional">{formatTime(token.expires_at)}</td>
                <td class="optional">{formatTime(token.last_used_at)}</td>
                <td>{token.revoked_at ? `Revoked ${formatTime(token.revoked_at)}` : 'Active'}</td>
                <td>
                  {!token.revoked_at && (
                    <button type="button" class="danger" aria-label={`Revoke ${token.label}`} onClick={() => void revoke(token)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
