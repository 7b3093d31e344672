import { PlayerError, answerError } from './player-error';

/** An HLS player started; stop() releases it. */
export interface HlsPlayback {
  stop: () => void;
}

const canUseMediaSource = (): boolean => 'MediaSource' in globalThis || 'ManagedMediaSource' in globalThis;

/**
 * Plays MediaMTX's HLS playlist: with hls.js where the browser has Media Source Extensions (loaded
 * only now, so the first load of the UI stays small), else with the browser's own HLS (Safari on
 * iOS). hls.js sends the stream token in `Authorization: Bearer` on each request (MediaMTX's HLS
 * server allows that header cross-origin); the browser's own player cannot set a header, so it
 * gets the token as `?token=` once a request with the header has shown that MediaMTX takes it,
 * which keeps MediaMTX's login challenge (sent when it refuses a request without credentials)
 * from reaching the browser. Resolves once MediaMTX has answered the playlist; a later fatal
 * error goes to `onError`.
 */
export async function playHls(video: HTMLVideoElement, playlistUrl: string, token: string, onError: (error: PlayerError) => void): Promise<HlsPlayback> {
  if (canUseMediaSource()) return playWithHlsJs(video, playlistUrl, token, onError);
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    let probe: Response;
    try {
      probe = await fetch(playlistUrl, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new PlayerError('unreachable', `MediaMTX's HLS server cannot be reached at ${playlistUrl}`);
    }
    if (!probe.ok) throw await answerError(probe, 'HLS');
    const url = new URL(playlistUrl);
    url.searchParams.set('token', token);
    video.src = url.href;
    return { stop: () => video.removeAttribute('src') };
  }
  throw new PlayerError('failed', 'this browser plays neither WebRTC nor HLS');
}

async function playWithHlsJs(video: HTMLVideoElement, playlistUrl: string, token: string, onError: (error: PlayerError) => void): Promise<HlsPlayback> {
  const { default: Hls } = await import('hls.js/light');
  const hls = new Hls({
    xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${token}`),
    lowLatencyMode: true,
  });
  return new Promise((resolve, reject) => {
    let started = false;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      started = true;
      resolve({ stop: () => hls.destroy() });
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response?.code ?? 0;
      const error =
        status === 0 && !started
          ? new PlayerError('unreachable', `MediaMTX's HLS server cannot be reached at ${playlistUrl}`)
          : status === 401
            ? new PlayerError('refused', 'MediaMTX refused the stream token for HLS')
            : status === 404
              ? new PlayerError('no-stream', 'The camera is not streaming right now: MediaMTX has no stream on its path')
              : new PlayerError('failed', `HLS playback failed (${data.details})`);
      hls.destroy();
      if (started) onError(error);
      else reject(error);
    });
    hls.loadSource(playlistUrl);
    hls.attachMedia(video);
  });
}
