import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { JSX } from 'preact';
import type { CameraItem } from '@mtx-relay/client';
import { Dialog } from '../components';
import { relay } from '../live/relay';

/**
 * Plays a camera with MediaMTX's WebRTC (WHEP) endpoint, in the browser's own RTCPeerConnection:
 * no player library. MediaMTX asks the relay whether the bearer may read the path, and the relay
 * accepts the user's access token there, so no login prompt appears.
 */
async function playWhep(video: HTMLVideoElement, webrtcUrl: string, token: string, signal: AbortSignal): Promise<RTCPeerConnection> {
  const peer = new RTCPeerConnection();
  peer.addTransceiver('video', { direction: 'recvonly' });
  peer.addTransceiver('audio', { direction: 'recvonly' });
  peer.ontrack = (event) => {
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
  };
  const offer = await peer.createOffer();
  await peer.setLocalDescription(offer);
  let answer: Response;
  try {
    answer = await fetch(`${webrtcUrl.replace(/\/+$/, '')}/whep`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
      body: offer.sdp,
      signal,
    });
  } catch {
    peer.close();
    throw new Error(`MediaMTX cannot be reached at ${webrtcUrl}: check that it runs and that this browser can reach it.`);
  }
  if (!answer.ok) {
    peer.close();
    const reasons: Record<number, string> = { 401: 'MediaMTX refused the token', 404: 'the stream is not available right now' };
    throw new Error(`MediaMTX answered ${answer.status}: ${reasons[answer.status] ?? (await answer.text())}`);
  }
  await peer.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
  return peer;
}

export function LiveView({ camera, onClose }: { camera: CameraItem; onClose: () => void }): JSX.Element {
  const video = useRef<HTMLVideoElement>(null);
  const message = useSignal('Connecting to MediaMTX…');
  useEffect(() => {
    const abort = new AbortController();
    let peer: RTCPeerConnection | undefined;
    playWhep(video.current!, camera.urls.webrtc, relay.value!.token, abort.signal).then(
      (opened) => {
        peer = opened;
        message.value = '';
      },
      (error: Error) => {
        if (!abort.signal.aborted) message.value = error.message;
      },
    );
    return () => {
      abort.abort();
      peer?.close();
    };
  }, [camera.id]);
  return (
    <Dialog title={`Live: ${camera.name}`} onClose={onClose}>
      <video ref={video} autoplay muted playsInline controls aria-label={`Live video of ${camera.name}`} />
      {message.value && (
        <p role="status" class="notice">
          {message.value}
        </p>
      )}
      <form method="dialog" class="form-actions">
        <button type="submit">Close</button>
      </form>
    </Dialog>
  );
}
