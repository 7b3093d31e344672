import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { JSX } from 'preact';
import type { CameraItem } from '@mtx-relay/client';
import { Dialog, describeError } from '../components';
import { relay } from '../live/relay';
import { playHls } from '../player/hls';
import { mintLiveViewToken } from '../player/live-token';
import { PlayerError } from '../player/player-error';
import { playWhep } from '../player/whep';

type Transport = 'webrtc' | 'hls' | 'none';

/**
 * A camera's live view: MediaMTX's WebRTC (WHEP) first, HLS when WebRTC cannot be used (its
 * server unreachable or off, the connection failing, a browser without it), authorised with a
 * stream token minted for this view. Says in words what went wrong, and that MediaMTX cannot be
 * reached when neither of its servers answers.
 */
export function LiveView({ camera, onClose }: { camera: CameraItem; onClose: () => void }): JSX.Element {
  const video = useRef<HTMLVideoElement>(null);
  const message = useSignal('Connecting to MediaMTX…');
  const transport = useSignal<Transport>('none');
  useEffect(() => {
    const client = relay.value!;
    const abort = new AbortController();
    let stopPlayer: (() => void) | undefined;
    let revokeToken: (() => void) | undefined;
    const say = (text: string): void => {
      if (!abort.signal.aborted) message.value = text;
    };

    const fallBackToHls = async (token: string, whepFailure: PlayerError): Promise<void> => {
      stopPlayer?.();
      stopPlayer = undefined;
      say(`WebRTC did not work (${whepFailure.message}); trying HLS…`);
      try {
        const playback = await playHls(video.current!, camera.urls.hls, token, (error) => say(error.message));
        if (abort.signal.aborted) return playback.stop();
        stopPlayer = playback.stop;
        transport.value = 'hls';
        say(`Playing over HLS: WebRTC did not work (${whepFailure.message}).`);
      } catch (error) {
        if (!(error instanceof PlayerError)) return say(describeError(error));
        if (error.failure === 'unreachable' && whepFailure.failure === 'unreachable') {
          say(`MediaMTX cannot be reached (WebRTC at ${camera.urls.webrtc}, HLS at ${camera.urls.hls}): check that it runs and that this browser can reach it.`);
        } else {
          say(error.message);
        }
      }
    };

    void (async () => {
      let token: string;
      try {
        const minted = await mintLiveViewToken(client, camera.id);
        if (abort.signal.aborted) return minted.revoke();
        revokeToken = minted.revoke;
        token = minted.token;
      } catch (error) {
        return say(`No stream token for this view: ${describeError(error)}`);
      }
      try {
        const session = await playWhep(video.current!, camera.urls.webrtc, token, abort.signal, () => {
          transport.value = 'none';
          void fallBackToHls(token, new PlayerError('failed', 'the WebRTC connection failed'));
        });
        if (abort.signal.aborted) return session.close();
        stopPlayer = session.close;
        transport.value = 'webrtc';
        say('Connected to MediaMTX over WebRTC; waiting for the video…');
      } catch (error) {
        if (abort.signal.aborted) return;
        if (!(error instanceof PlayerError)) return say(describeError(error));
        // A refused token or a camera that is not streaming fares no better over HLS.
        if (error.failure === 'refused' || error.failure === 'no-stream') return say(`${error.message}.`);
        await fallBackToHls(token, error);
      }
    })();
    return () => {
      abort.abort();
      stopPlayer?.();
      revokeToken?.();
    };
  }, [camera.id]);
  return (
    <Dialog title={`Live: ${camera.name}`} onClose={onClose}>
      <video
        ref={video}
        autoplay
        muted
        playsInline
        controls
        aria-label={`Live video of ${camera.name}`}
        data-transport={transport.value}
        onPlaying={() => (message.value = '')}
      />
      {message.value && (
        <p role="status" class="notice" data-testid="live-message">
          {message.value}
        </p>
      )}
      <form method="dialog" class="form-actions">
        <button type="submit">Close</button>
      </form>
    </Dialog>
  );
}
