/** Why a player could not start, so the live view can say it in words and choose what to try next. */
export type PlayerFailure = 'unreachable' | 'refused' | 'no-stream' | 'failed';

export class PlayerError extends Error {
  constructor(
    readonly failure: PlayerFailure,
    message: string,
  ) {
    super(message);
  }
}

/** MediaMTX's answer to a refused or failed read, in words (its JSON body names the error). */
export async function answerError(answer: Response, what: string): Promise<PlayerError> {
  const body = (await answer.json().catch(() => ({}))) as { error?: string };
  if (answer.status === 401) return new PlayerError('refused', `MediaMTX refused the stream token for ${what}`);
  if (answer.status === 404) return new PlayerError('no-stream', 'The camera is not streaming right now: MediaMTX has no stream on its path');
  return new PlayerError('failed', `MediaMTX answered ${what} with HTTP ${answer.status}${body.error ? `: ${body.error}` : ''}`);
}
