import type { TopicPayload } from './types.js';

/** A camera's stream, as retained state and the stream events keep it. */
export interface CameraState {
  ready: boolean;
  readers: number | null;
}

/** The last known stream state of every camera the client heard of, from retained `camera:state` and stream events. */
export class CameraStates {
  private readonly states = new Map<number, CameraState>();

  /** True when the event changed a camera's state. */
  apply(event: TopicPayload): boolean {
    if (event.domain !== 'camera' || event.entity === null) return false;
    const before = this.states.get(event.entity);
    const readers = typeof event.details.readers === 'number' ? event.details.readers : (before?.readers ?? null);
    let ready: boolean;
    if (event.event === 'state') ready = event.details.ready === true;
    else if (event.event === 'ready') ready = true;
    else if (event.event === 'notReady') ready = false;
    else if (event.event === 'read' || event.event === 'unread') ready = before?.ready ?? true;
    else if (event.event === 'deleted') return this.states.delete(event.entity);
    else return false;
    this.states.set(event.entity, { ready, readers });
    return true;
  }

  get(cameraId: number): CameraState | null {
    return this.states.get(cameraId) ?? null;
  }
}
