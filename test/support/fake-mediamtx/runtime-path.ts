import type { ApiPath, PathReader, PathSource, PathTrack } from './types.js';

/** A path as MediaMTX runs it (`core/path.go`): its stream, source and readers. */
export interface RuntimePath {
  name: string;
  confName: string;
  available: boolean;
  availableTime: string | null;
  source: PathSource | null;
  tracks: PathTrack[];
  readers: PathReader[];
  inboundBytes: number;
  outboundBytes: number;
}

/** GET /v3/paths/get/{name} (`core/path.go` doAPIPathsGet): readers sorted by type then id; tracks and bytes only while available. */
export function describePath(rt: RuntimePath): ApiPath {
  const available = rt.available;
  const readers = [...rt.readers].sort((a, b) => (a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    name: rt.name,
    confName: rt.confName,
    ready: available,
    readyTime: available ? rt.availableTime : null,
    available,
    availableTime: available ? rt.availableTime : null,
    online: available,
    onlineTime: available ? rt.availableTime : null,
    source: rt.source ? { ...rt.source } : null,
    tracks: available ? rt.tracks.map((t) => t.codec) : [],
    tracks2: available ? rt.tracks.map((t) => ({ codec: t.codec, codecProps: t.codecProps })) : [],
    readers,
    inboundBytes: available ? rt.inboundBytes : 0,
    outboundBytes: available ? rt.outboundBytes : 0,
    inboundFramesInError: 0,
    bytesReceived: available ? rt.inboundBytes : 0,
    bytesSent: available ? rt.outboundBytes : 0,
  };
}
