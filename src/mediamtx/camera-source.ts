import type { SourceSecrets } from '../credentials/credentials.service.js';

/**
 * The URL MediaMTX pulls from: the camera's source with its credential's secrets put in —
 * user info for `basic`, a `token` query parameter for `token` (and an OAuth2 access token).
 */
export function sourceWithCredential(sourceUrl: string, secrets: SourceSecrets | null): string {
  if (!secrets) return sourceUrl;
  const url = new URL(sourceUrl);
  switch (secrets.kind) {
    case 'basic':
      url.username = encodeURIComponent(secrets.username ?? '');
      url.password = encodeURIComponent(secrets.password ?? '');
      break;
    case 'token':
      if (secrets.token) url.searchParams.set('token', secrets.token);
      break;
    case 'oauth2':
      if (secrets.accessToken) url.searchParams.set('access_token', secrets.accessToken);
      break;
  }
  return url.toString();
}
