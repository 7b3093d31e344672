import { describe, expect, it } from '@jest/globals';
import { PasswordHasher } from './password-hasher.js';

// Made by the `argon2` package (0.45.1), which stored every password before @node-rs/argon2:
// existing databases hold hashes like these, and they must keep verifying.
const PASSWORD = 'correct horse battery staple';
const STORED_BY_ARGON2 = [
  // The relay's parameters (that package writes them m, p, t).
  { hash: '$argon2id$v=19$m=19456,p=1,t=2$ocssobfbxInKPQspyapUWg$JlTwRvP1LWXUkLhoknt2UDeyhg9Y3uZKDojq6kL3zPE', password: PASSWORD },
  // That package's defaults.
  { hash: '$argon2id$v=19$m=65536,p=4,t=3$gdRs2INvwtMSSLTbVWsXtw$pmMSplotsCVL1mCPQIW+2ASHPcv/lP706EaIMSbXqVw', password: PASSWORD },
  // Non-ASCII passwords are hashed as UTF-8 by both.
  { hash: '$argon2id$v=19$m=19456,p=1,t=2$BJc9JE9prLzO+vDzUvasow$s6aLZR7xtEgNcp4O4PfjIguc3dsoXphlHK9CtgDniVQ', password: 'pässwörd ✓ unicode' },
];

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it.each(STORED_BY_ARGON2)('verifies a hash stored by the former library ($hash)', async ({ hash, password }) => {
    await expect(hasher.verify(hash, password)).resolves.toBe(true);
    await expect(hasher.verify(hash, `${password}!`)).resolves.toBe(false);
  });

  it('hashes with argon2id, 19 MiB, 2 passes, 1 lane, and a fresh salt each time', async () => {
    const first = await hasher.hash(PASSWORD);
    const second = await hasher.hash(PASSWORD);
    const [, algorithm, version, params, salt, digest] = first.split('$');
    expect([algorithm, version]).toEqual(['argon2id', 'v=19']);
    expect(params.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    expect([salt.length, digest.length]).toEqual([22, 43]);
    expect(second).not.toBe(first);
    await expect(hasher.verify(first, PASSWORD)).resolves.toBe(true);
    await expect(hasher.verify(first, 'wrong')).resolves.toBe(false);
  });

  it('answers false, not an error, for a stored value that is not a hash', async () => {
    await expect(hasher.verify('not a hash', PASSWORD)).resolves.toBe(false);
    await expect(hasher.verify('', PASSWORD)).resolves.toBe(false);
  });

  it('spends a verification on an unknown user and answers false', async () => {
    await expect(hasher.verifyDecoy(PASSWORD)).resolves.toBe(false);
  });
});
