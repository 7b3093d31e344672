import { useSignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { relay } from './relay';

/** What MediaMTX says of a camera's path: the part of `status` that the live collection leaves out. */
export interface SyncStatus {
  available: boolean | null;
  readers: number | null;
  sync: 'ok' | 'pending' | 'disabled';
  sync_error: string | null;
}

interface CameraWithStatus {
  id: number;
  status: SyncStatus | null;
}

// Path sync follows a camera change within moments; it has no event of its own, so the status is
// read again shortly after each camera change, and once more a little later.
const AFTER_CHANGE_MS = [300, 3000];

/**
 * The cameras' MediaMTX sync state (`cameras list` with `withStatus`), read on load and after
 * camera changes. An adapter beside the client's live collection, which keeps only stream state.
 */
export function useCameraSync(): Signal<Map<number, SyncStatus>> {
  const statuses = useSignal(new Map<number, SyncStatus>());
  const client = relay.value;
  useEffect(() => {
    if (!client) return;
    let stopped = false;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const load = async (): Promise<void> => {
      const next = new Map<number, SyncStatus>();
      for (let page = 1; page <= 100; page++) {
        const answer = (await client.request('cameras', 'list', { payload: { page, itemsPerPage: 100, withStatus: true } })) as unknown as { items: CameraWithStatus[]; total: number };
        for (const camera of answer.items) if (camera.status) next.set(camera.id, camera.status);
        if (answer.items.length === 0 || page * 100 >= answer.total) break;
      }
      if (!stopped) statuses.value = next;
    };
    const soon = (): void => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const ms of AFTER_CHANGE_MS) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          void load().catch(() => undefined);
        }, ms);
        timers.add(timer);
      }
    };
    void load().catch(() => undefined);
    const stops = ['camera:created', 'camera:updated', 'camera:deleted'].map((event) => client.on(event as 'camera:created', soon));
    return () => {
      stopped = true;
      for (const stop of stops) stop();
      for (const timer of timers) clearTimeout(timer);
    };
  }, [client]);
  return statuses;
}
