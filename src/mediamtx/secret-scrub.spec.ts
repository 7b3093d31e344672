import { describe, expect, it } from '@jest/globals';
import type { SourceSecrets } from '../credentials/credentials.service.js';
import { secretsInSource, sourceWithCredential } from './camera-source.js';
import { REDACTED, scrubSecrets, type SourceInText } from './secret-scrub.js';

const SHOWN = 'rtsp://192.0.2.10:554/live';
const PASSWORD = 'p@ss:word/1 "x"';

/** The source path sync sends for `secrets`, as scrubSecrets gets it. */
function sourceFor(secrets: SourceSecrets, tokenIn: 'query' | 'userinfo' = 'query'): SourceInText {
  return { sent: sourceWithCredential(SHOWN, secrets, tokenIn), shown: SHOWN, secrets: secretsInSource(secrets) };
}

const basic = sourceFor({ kind: 'basic', username: 'cam user', password: PASSWORD });

describe('scrubSecrets', () => {
  it('turns the source as sent into the source as shown', () => {
    expect(basic.sent).toBe('rtsp://cam%20user:p%40ss%3Aword%2F1%20%22x%22@192.0.2.10:554/live');
    expect(scrubSecrets(`invalid source: '${basic.sent}'`, basic)).toBe(`invalid source: '${SHOWN}'`);
  });

  it.each([
    ['plain', `auth failed with password ${PASSWORD} for cam user`],
    ['percent-encoded with lower-case hex', 'bad password p%40ss%3aword%2f1%20%22x%22'],
    ['partly encoded, as Go writes user info', 'dial rtsp://192.0.2.10: wrong password p%40ss:word%2F1%20%22x%22'],
    ['form-encoded, + for the space', 'query password=p%40ss%3Aword%2F1+%22x%22'],
    ['encoded twice, inside another URL', 'proxy http://relay.example/pull?src=rtsp%3A%2F%2Fcam%2520user%3Ap%2540ss%253Aword%252F1%2520%2522x%2522%40192.0.2.10'],
    ['inside a Go quoted string', 'source "p@ss:word/1 \\"x\\"" is not valid'],
    ['as an HTTP Basic header', `sent Authorization: Basic ${Buffer.from(`cam user:${PASSWORD}`).toString('base64')}`],
  ])('redacts the password written %s', (_form, text) => {
    const scrubbed = scrubSecrets(text, basic);
    expect(scrubbed).toContain(REDACTED);
    expect(scrubbed).not.toMatch(/p(@|%40|%2540)ss/i);
    expect(scrubbed).not.toContain(Buffer.from(`cam user:${PASSWORD}`).toString('base64'));
  });

  it('redacts the user info of any URL, whosever it is', () => {
    expect(scrubSecrets('redirected to rtsp://admin:hunter2@198.51.100.7/stream and http://u%40x:p%3Ay@example.com/')).toBe(
      `redirected to rtsp://${REDACTED}@198.51.100.7/stream and http://${REDACTED}@example.com/`,
    );
  });

  it('redacts a token credential and an OAuth2 access token, in the query or in the user info', () => {
    const token = sourceFor({ kind: 'token', token: 'tok/en+1' });
    expect(scrubSecrets('rtsp://192.0.2.10/live?token=tok%2Fen%2B1 refused; token tok/en+1 unknown', token)).toBe(
      `rtsp://192.0.2.10/live?token=${REDACTED} refused; token ${REDACTED} unknown`,
    );
    const query = sourceFor({ kind: 'oauth2', accessToken: 'eyJhbGciOi.payload.sig' });
    expect(scrubSecrets(`GET ${query.sent}: 401`, query)).toBe(`GET ${SHOWN}: 401`);
    expect(scrubSecrets('access_token=eyJhbGciOi.payload.sig expired', query)).toBe(`access_token=${REDACTED} expired`);
    const userinfo = sourceFor({ kind: 'oauth2', accessToken: 'eyJhbGciOi.payload.sig' }, 'userinfo');
    expect(scrubSecrets('user eyJhbGciOi.payload.sig refused at rtsp://eyJhbGciOi.payload.sig:x@h/', userinfo)).toBe(`user ${REDACTED} refused at rtsp://${REDACTED}@h/`);
  });

  it('leaves text without secrets as it is, and a camera without a credential too', () => {
    const text = "path 'cams/front' already exists (source rtsp://192.0.2.10:554/live?x=1)";
    expect(scrubSecrets(text, basic)).toBe(text);
    expect(scrubSecrets(text, { sent: SHOWN, shown: SHOWN, secrets: secretsInSource(null) })).toBe(text);
  });

  it('redacts a secret that holds another one whole', () => {
    expect(scrubSecrets('tokens abc and abcdef', { sent: SHOWN, shown: SHOWN, secrets: ['abc', 'abcdef'] })).toBe(`tokens ${REDACTED} and ${REDACTED}`);
  });
});
