import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JSX } from 'preact';
import type { CameraItem } from '@mtx-relay/client';
import { Dialog, ErrorText, FormActions, Labelled, useAction } from '../components';
import { relay } from '../live/relay';

interface CredentialOption {
  id: number;
  kind: string;
  description: string;
}

/** Create a camera (camera null) or edit one, with its credential, source, transport and switch. */
export function CameraForm({ camera, onClose }: { camera: CameraItem | null; onClose: () => void }): JSX.Element {
  const name = useSignal(camera?.name ?? '');
  const path = useSignal(camera?.mtx_path ?? '');
  const source = useSignal(camera?.source_url ?? '');
  const description = useSignal(camera?.description ?? '');
  const credential = useSignal(camera?.credential_id ? String(camera.credential_id) : '');
  const transport = useSignal<'automatic' | 'udp' | 'tcp'>(camera?.rtsp_transport ?? 'automatic');
  const enabled = useSignal(camera?.is_enabled ?? true);
  const credentials = useSignal<CredentialOption[]>([]);
  const action = useAction();
  const client = relay.value!;

  useEffect(() => {
    void client.request('credentials', 'list', { payload: { itemsPerPage: 100 } }).then((answer) => {
      credentials.value = (answer as unknown as { items: CredentialOption[] }).items;
    });
  }, [client]);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const payload = {
      name: name.value,
      mtx_path: path.value,
      source_url: source.value,
      description: description.value,
      credential_id: credential.value ? Number(credential.value) : null,
      rtsp_transport: transport.value,
      is_enabled: enabled.value,
    };
    const done = await action.run(() =>
      camera ? client.request('cameras', 'update', { entity: camera.id, payload }) : client.request('cameras', 'create', { payload }),
    );
    if (done) onClose();
  };

  const remove = async (): Promise<void> => {
    if (!camera || !confirm(`Delete camera ${camera.name}?`)) return;
    if (await action.run(() => client.request('cameras', 'delete', { entity: camera.id }))) onClose();
  };

  return (
    <Dialog title={camera ? `Edit ${camera.name}` : 'Add camera'} onClose={onClose}>
      <form onSubmit={(e) => void save(e)}>
        <label>
          Name
          <input required value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
        </label>
        <label>
          MediaMTX path
          <input required value={path.value} onInput={(e) => (path.value = e.currentTarget.value)} placeholder="garden" />
        </label>
        <label>
          Source URL
          <input required value={source.value} onInput={(e) => (source.value = e.currentTarget.value)} placeholder="rtsp://192.0.2.10:554/stream" />
        </label>
        <Labelled label="Credential">
          <select value={credential.value} onChange={(e) => (credential.value = e.currentTarget.value)}>
            <option value="">None</option>
            {credentials.value.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {`${c.description || `Credential ${c.id}`} (${c.kind})`}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled label="RTSP transport">
          <select value={transport.value} onChange={(e) => (transport.value = e.currentTarget.value as 'automatic')}>
            <option value="automatic">Automatic</option>
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
          </select>
        </Labelled>
        <label>
          Description
          <input value={description.value} onInput={(e) => (description.value = e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={enabled.value} onChange={(e) => (enabled.value = e.currentTarget.checked)} />
          Enabled
        </label>
        <ErrorText text={action.error} />
        <FormActions onDelete={camera ? () => void remove() : undefined} onCancel={onClose} busy={action.busy} />
      </form>
    </Dialog>
  );
}
