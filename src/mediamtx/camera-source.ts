import type { OAuth2TokenPlace } from '../cameras/camera.entity.js';
import type { SourceSecrets } from '../credentials/credentials.service.js';

/**
 * The URL MediaMTX pulls from: the camera's source with its credential's secrets put in —
 * user info for `basic`, a `token` query parameter for `token`, and for `oauth2` the access
 * token as an `access_token` query parameter or, with `userinfo`, as the user name and the
 * password both.
 */
export function sourceWithCredential(sourceUrl: string, secrets: SourceSecrets | null, oauth2TokenIn: OAuth2TokenPlace = 'query'): string {
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
      if (!secrets.accessToken) break;
      if (oauth2TokenIn === 'query') {
        url.searchParams.set('access_token', secrets.accessToken);
      } else {
        // MediaMTX refuses a user name without a password (conf/path.go validateURL), so the
        // token fills both: a camera that reads it from either field finds it.
        url.username = encodeURIComponent(secrets.accessToken);
        url.password = encodeURIComponent(secrets.accessToken);
      }
      break;
  }
  return url.toString();
}

/**
 * The secrets `sourceWithCredential` puts into a source, in plain: what must never come back out
 * in MediaMTX's messages. A basic credential's user name is not one (admins see it), but the
 * pair as an HTTP Basic header would carry it is.
 */
export function secretsInSource(secrets: SourceSecrets | null): string[] {
  if (!secrets) return [];
  const found = [secrets.password, secrets.token, secrets.accessToken].filter((secret): secret is string => !!secret);
  if (secrets.kind === 'basic' && secrets.password) found.push(Buffer.from(`${secrets.username ?? ''}:${secrets.password}`).toString('base64'));
  return found;
}
