import { useSignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { EventName } from '@mtx-relay/client';
import { relay } from './relay';

/**
 * A list the client has no live collection for (credentials, stream tokens): read once, and again
 * when one of its topic events arrives. No polling.
 */
export function useLiveList<T>(load: () => Promise<T[]>, events: EventName[]): { items: Signal<T[]>; error: Signal<string>; reload: () => void } {
  const items = useSignal<T[]>([]);
  const error = useSignal('');
  const client = relay.value;
  const reload = (): void => {
    load().then(
      (next) => {
        items.value = next;
        error.value = '';
      },
      (failure: Error) => (error.value = failure.message),
    );
  };
  useEffect(() => {
    if (!client) return;
    reload();
    const stops = events.map((event) => client.on(event, reload));
    return () => stops.forEach((stop) => stop());
  }, [client]);
  return { items, error, reload };
}
