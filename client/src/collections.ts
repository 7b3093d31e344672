import { RelayError } from './errors.js';
import type { CameraState } from './camera-states.js';
import type { CameraView, CredentialView, EventName, EventPayload, StreamTokenView, TopicPayload, UserView } from './types.js';

export type CollectionName = 'cameras' | 'users' | 'credentials' | 'tokens';

/** A watched camera: its view as `cameras list` gives it, and its live stream state (null until one is known). */
export type CameraItem = CameraView & { state: CameraState | null };

export type ItemOf<N extends CollectionName> = N extends 'cameras'
  ? CameraItem
  : N extends 'users'
    ? UserView
    : N extends 'credentials'
      ? CredentialView
      : StreamTokenView;

/** What a collection needs from its client. */
export interface CollectionHost {
  request(command: 'list' | 'read', args: { entity?: number; payload?: Record<string, unknown> }): Promise<unknown>;
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
  userId(): number | undefined;
  cameraState(cameraId: number): CameraState | null;
  forget(): void;
}

/** How a collection follows its topic: which events mean "read the item again", and what else removes items. */
interface CollectionRules {
  topic: 'camera:*' | 'users:*' | 'credentials:*' | 'tokens:*';
  reread: ReadonlySet<string>;
  /** Deletes in other domains that take items with them (the database cascades them). */
  cascades: ReadonlyArray<{ event: 'camera:deleted' | 'users:deleted'; field: string }>;
}

const RULES: Record<CollectionName, CollectionRules> = {
  cameras: { topic: 'camera:*', reread: new Set(['created', 'updated']), cascades: [] },
  users: { topic: 'users:*', reread: new Set(['created', 'updated']), cascades: [] },
  // OAuth2 refreshes change a credential's state and next refresh time.
  credentials: { topic: 'credentials:*', reread: new Set(['created', 'updated', 'authenticated', 'reauthenticated', 'unauthenticated']), cascades: [] },
  tokens: {
    topic: 'tokens:*',
    reread: new Set(['created', 'revoked']),
    cascades: [
      { event: 'camera:deleted', field: 'camera_id' },
      { event: 'users:deleted', field: 'user_id' },
    ],
  },
};

const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;
const STREAM_EVENTS = new Set(['state', 'ready', 'notReady', 'read', 'unread']);

/**
 * A list kept current from one `list` plus topic events: a create or update (a credential's OAuth2
 * state, a stream token's revocation) is read again, a delete removes (a camera's or user's also
 * removes their stream tokens), stream events update a camera's `state`, and a `gone` (or a change
 * of the user's own grants) reloads the whole list. Changes are applied one at a time, in event order.
 */
export class LiveCollection<N extends CollectionName> {
  /** Resolves once the first list is in. */
  readonly ready: Promise<void>;
  private readonly byId = new Map<number, ItemOf<N>>();
  private sorted: Array<ItemOf<N>> | null = null;
  private readonly listeners = new Set<(items: Array<ItemOf<N>>) => void>();
  private readonly stops: Array<() => void>;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly name: N,
    private readonly host: CollectionHost,
  ) {
    const rules = RULES[name];
    this.stops = [
      host.on(rules.topic, (event) => void this.enqueue(() => this.apply(event))),
      host.on('resync', () => void this.enqueue(() => this.load())),
      ...rules.cascades.map(({ event, field }) => host.on(event, ({ entity }) => void this.enqueue(async () => this.removeWhere(field, entity)))),
    ];
    // A user's own role or grants decide which cameras they see.
    if (name === 'cameras') {
      this.stops.push(
        host.on('users:updated', (event) => {
          if (event.entity === host.userId()) void this.enqueue(() => this.load());
        }),
      );
    }
    this.ready = this.enqueue(() => this.load());
  }

  /** The items, by id. */
  get items(): Array<ItemOf<N>> {
    this.sorted ??= [...this.byId.values()].sort((a, b) => a.id - b.id);
    return this.sorted;
  }

  get(id: number): ItemOf<N> | undefined {
    return this.byId.get(id);
  }

  /** Called with the items after every change; returns the unsubscribe function. */
  onChange(listener: (items: Array<ItemOf<N>>) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops) stop();
    this.listeners.clear();
    this.host.forget();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => (this.closed ? undefined : work()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const items: unknown[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = (await this.host.request('list', { payload: { page, itemsPerPage: PAGE_SIZE } })) as { items: unknown[]; total: number };
      items.push(...answer.items);
      if (answer.items.length === 0 || items.length >= answer.total) break;
    }
    this.byId.clear();
    for (const item of items) this.put(item);
    this.changed();
  }

  private async apply(event: TopicPayload): Promise<void> {
    const id = event.entity;
    if (id === null) return;
    if (this.name === 'cameras' && STREAM_EVENTS.has(event.event)) {
      const item = this.byId.get(id) as CameraItem | undefined;
      if (!item) return;
      this.byId.set(id, { ...item, state: this.host.cameraState(id) } as ItemOf<N>);
      return this.changed();
    }
    if (event.event === 'deleted') {
      if (this.byId.delete(id)) this.changed();
      return;
    }
    if (!RULES[this.name].reread.has(event.event)) return;
    try {
      this.put(await this.host.request('read', { entity: id }));
    } catch (error) {
      // Gone meanwhile, or no longer visible to this user.
      if (!(error instanceof RelayError) || !['not_found', 'forbidden'].includes(error.code)) throw error;
      this.byId.delete(id);
    }
    this.changed();
  }

  private removeWhere(field: string, value: number | null): void {
    const before = this.byId.size;
    for (const [id, item] of this.byId) if ((item as unknown as Record<string, unknown>)[field] === value) this.byId.delete(id);
    if (this.byId.size !== before) this.changed();
  }

  private put(item: unknown): void {
    const view = item as { id: number };
    // `status` is MediaMTX's polled view, which `list` leaves out; the live part is `state`.
    const stored = this.name === 'cameras' ? { ...view, status: null, state: this.host.cameraState(view.id) } : view;
    this.byId.set(view.id, stored as ItemOf<N>);
  }

  private changed(): void {
    this.sorted = null;
    const items = this.items;
    for (const listener of [...this.listeners]) listener(items);
  }
}
