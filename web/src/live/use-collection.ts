import { useSignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { CollectionName, ItemOf } from '@mtx-relay/client';
import { relay } from './relay';

/**
 * A live collection's items as a signal. Changes that come in one animation frame are shown
 * together (the last one wins for an item), so a burst of events costs one render per frame.
 */
export function useCollection<N extends CollectionName>(name: N): { items: Signal<Array<ItemOf<N>>>; loaded: Signal<boolean>; error: Signal<string> } {
  const items = useSignal<Array<ItemOf<N>>>([]);
  const loaded = useSignal(false);
  const error = useSignal('');
  const client = relay.value;
  useEffect(() => {
    if (!client) return;
    const collection = client.watch(name);
    let frame = 0;
    const stop = collection.onChange(() => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        items.value = collection.items;
      });
    });
    collection.ready.then(
      () => {
        items.value = collection.items;
        loaded.value = true;
      },
      (failure: Error) => {
        error.value = failure.message;
      },
    );
    return () => {
      cancelAnimationFrame(frame);
      stop();
      collection.close();
    };
  }, [client, name]);
  return { items, loaded, error };
}
