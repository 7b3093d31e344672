import { PlayerError, answerError } from './player-error';

/** A WebRTC session opened with WHEP; close() ends it on both sides. */
export interface WhepSession {
  close: () => void;
}

/** Gathering waits at most this long: the offer then carries the candidates found so far. */
const GATHERING_MS = 2000;

/**
 * Plays a camera with MediaMTX's WebRTC (WHEP) endpoint in the browser's own RTCPeerConnection,
 * no player library. The stream token goes in `Authorization: Bearer`, where MediaMTX reads a
 * token (`httpp.Credentials`): a refusal of a request that carried a token is a plain 401, never
 * MediaMTX's `WWW-Authenticate` challenge, so the browser shows no login prompt; and with
 * `credentials: 'omit'` it would not prompt even on a challenge (the Fetch standard prompts only
 * for requests that include credentials). `onFailed` is called
 * if the connection fails after the negotiation (ICE or DTLS: UDP blocked on the way).
 */
export async function playWhep(video: HTMLVideoElement, whepUrl: string, token: string, signal: AbortSignal, onFailed: () => void): Promise<WhepSession> {
  if (typeof RTCPeerConnection === 'undefined') throw new PlayerError('failed', 'this browser has no WebRTC');
  const peer = new RTCPeerConnection();
  let location: string | null = null;
  const close = (): void => {
    peer.close();
    video.srcObject = null;
    // The WHEP session resource: deleting it ends the reader at once (no token needed there).
    if (location) void fetch(location, { method: 'DELETE', credentials: 'omit', keepalive: true }).catch(() => undefined);
  };
  try {
    peer.addTransceiver('video', { direction: 'recvonly' });
    peer.addTransceiver('audio', { direction: 'recvonly' });
    peer.ontrack = (event) => {
      video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    };
    await peer.setLocalDescription(await peer.createOffer());
    await gathered(peer);
    let answer: Response;
    try {
      answer = await fetch(whepUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
        body: peer.localDescription!.sdp,
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new PlayerError('unreachable', `MediaMTX's WebRTC server cannot be reached at ${whepUrl}`);
    }
    if (answer.status !== 201) throw await answerError(answer, 'WebRTC');
    const sessionPath = answer.headers.get('location');
    location = sessionPath ? new URL(sessionPath, whepUrl).href : null;
    await peer.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
    peer.onconnectionstatechange = () => {
      if (peer.connectionState === 'failed') onFailed();
    };
    return { close };
  } catch (error) {
    close();
    throw error;
  }
}

function gathered(peer: RTCPeerConnection): Promise<void> {
  if (peer.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHERING_MS);
    peer.addEventListener('icegatheringstatechange', () => {
      if (peer.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}
