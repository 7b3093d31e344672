import type { RelayClient } from '@mtx-relay/client';

/** How long a live view's token is valid if the page never revokes it (a closed tab). */
const LIFETIME_MS = 60 * 60 * 1000;
export const LIVE_VIEW_TOKEN_LABEL = 'Live view in the web UI';

/**
 * A stream token for one live view: read-only, for this camera only, minted when the view opens
 * and revoked when it closes (which also ends the MediaMTX session it opened). Being a stream
 * token, it may travel in a URL (`?token=` for the browser's own HLS player) where the access
 * token must not.
 */
export async function mintLiveViewToken(client: RelayClient, cameraId: number): Promise<{ id: number; token: string; revoke: () => void }> {
  const expiresAt = new Date(Date.now() + LIFETIME_MS).toISOString();
  const created = await client.request('tokens', 'create', { payload: { camera_id: cameraId, label: LIVE_VIEW_TOKEN_LABEL, expires_at: expiresAt } });
  return {
    id: created.id,
    token: created.token,
    revoke: () => void client.request('tokens', 'delete', { entity: created.id }).catch(() => undefined),
  };
}
