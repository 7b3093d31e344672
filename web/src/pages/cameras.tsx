import { useComputed, useSignal } from '@preact/signals';
import { memo } from 'preact/compat';
import { useCallback } from 'preact/hooks';

import type { JSX } from 'preact';
import type { CameraItem } from '@mtx-relay/client';
import { CopyField, Dialog, ErrorText, Labelled } from '../components';
import { useCameraSync, type SyncStatus } from '../live/camera-sync';
import { useCollection } from '../live/use-collection';
import { isAdmin } from '../session';
import { CameraForm } from './camera-form';
import { LiveView } from './live-view';

type SortKey = 'name' | 'mtx_path' | 'status';

const collator = new Intl.Collator();

function statusOf(camera: CameraItem, sync: SyncStatus | undefined): { text: string; tone: 'on' | 'off' | 'bad' } {
  if (!camera.is_enabled) return { text: 'Disabled', tone: 'off' };
  const ready = camera.state?.ready ?? sync?.available ?? false;
  const readers = camera.state?.readers ?? sync?.readers ?? 0;
  return ready ? { text: `Live, ${readers} ${readers === 1 ? 'reader' : 'readers'}`, tone: 'on' } : { text: 'Offline', tone: 'off' };
}

const CameraRow = memo(function CameraRow({ camera, sync, admin, onEdit, onWatch, onUrls }: {
  camera: CameraItem;
  sync: SyncStatus | undefined;
  admin: boolean;
  onEdit: (camera: CameraItem) => void;
  onWatch: (camera: CameraItem) => void;
  onUrls: (camera: CameraItem) => void;
}): JSX.Element {
  const status = statusOf(camera, sync);
  return (
    <tr data-camera={camera.mtx_path}>
      <td>{camera.name}</td>
      <td class="optional mono">{camera.mtx_path}</td>
      <td>
        <span class={`status stream-status ${status.tone}`} data-testid="status">
          {status.text}
        </span>
      </td>
      {admin && (
        <td class="optional">
          {sync ? (sync.sync_error ? <span class="status bad">{`Sync failed: ${sync.sync_error}`}</span> : sync.sync) : '—'}
        </td>
      )}
      <td>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => onWatch(camera)} aria-label={`Watch ${camera.name}`}>
            Watch
          </button>
          <button type="button" class="secondary" onClick={() => onUrls(camera)} aria-label={`Stream URLs of ${camera.name}`}>
            URLs
          </button>
          {admin && (
            <button type="button" class="secondary" onClick={() => onEdit(camera)} aria-label={`Edit ${camera.name}`}>
              Edit
            </button>
          )}
        </div>
      </td>
    </tr>
  );
});

export function CamerasPage(): JSX.Element {
  const { items, loaded, error } = useCollection('cameras');
  const sync = useCameraSync();
  const admin = isAdmin();
  const filter = useSignal('');
  const sortKey = useSignal<SortKey>('name');
  const editing = useSignal<CameraItem | 'new' | null>(null);
  const watching = useSignal<CameraItem | null>(null);
  const showingUrls = useSignal<CameraItem | null>(null);
  // The same functions on every render, so that a row whose camera did not change is not drawn again.
  const onEdit = useCallback((camera: CameraItem) => (editing.value = camera), []);
  const onWatch = useCallback((camera: CameraItem) => (watching.value = camera), []);
  const onUrls = useCallback((camera: CameraItem) => (showingUrls.value = camera), []);

  const shown = useComputed(() => {
    const needle = filter.value.trim().toLowerCase();
    const list = needle ? items.value.filter((c) => `${c.name} ${c.mtx_path} ${c.description}`.toLowerCase().includes(needle)) : [...items.value];
    const key = sortKey.value;
    const rank = (c: CameraItem): string => (key === 'status' ? (c.state?.ready ? '0' : '1') + c.name : c[key]);
    return list.sort((a, b) => collator.compare(rank(a), rank(b)));
  });

  return (
    <section aria-labelledby="cameras-title">
      <h1 id="cameras-title">Cameras</h1>
      <div class="toolbar">
        <label>
          Filter
          <input type="search" value={filter.value} onInput={(e) => (filter.value = e.currentTarget.value)} />
        </label>
        <Labelled label="Sort by">
          <select value={sortKey.value} onChange={(e) => (sortKey.value = e.currentTarget.value as SortKey)}>
            <option value="name">Name</option>
            <option value="mtx_path">Path</option>
            <option value="status">Status</option>
          </select>
        </Labelled>
        {admin && (
          <button type="button" onClick={() => (editing.value = 'new')}>
            Add camera
          </button>
        )}
      </div>
      <ErrorText text={error.value} />
      {loaded.value && items.value.length === 0 && <p class="muted">{admin ? 'No cameras yet: add one.' : 'No camera is shared with you yet.'}</p>}
      <div class="table-wrap">
        <table class="cameras">
          <caption class="muted">{`${shown.value.length} of ${items.value.length} cameras`}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="optional">Path</th>
              <th scope="col">Status</th>
              {admin && (
                <th scope="col" class="optional">
                  MediaMTX sync
                </th>
              )}
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.value.map((camera) => (
              <CameraRow
                key={camera.id}
                camera={camera}
                sync={sync.value.get(camera.id)}
                admin={admin}
                onEdit={onEdit}
                onWatch={onWatch}
                onUrls={onUrls}
              />
            ))}
          </tbody>
        </table>
      </div>
      {editing.value && <CameraForm camera={editing.value === 'new' ? null : editing.value} onClose={() => (editing.value = null)} />}
      {watching.value && <LiveView camera={watching.value} onClose={() => (watching.value = null)} />}
      {showingUrls.value && <StreamUrls camera={showingUrls.value} onClose={() => (showingUrls.value = null)} />}
    </section>
  );
}

function StreamUrls({ camera, onClose }: { camera: CameraItem; onClose: () => void }): JSX.Element {
  return (
    <Dialog title={`Stream URLs of ${camera.name}`} onClose={onClose}>
      <p class="muted">Players sign in with a stream token (Stream tokens page) as the password, or `?token=`.</p>
      <CopyField label="RTSP" value={camera.urls.rtsp} />
      <CopyField label="HLS" value={camera.urls.hls} />
      <CopyField label="WebRTC" value={camera.urls.webrtc} />
      <form method="dialog" class="form-actions">
        <button type="submit">Close</button>
      </form>
    </Dialog>
  );
}
