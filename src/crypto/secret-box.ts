import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const FORMAT = 'v1';
const IV_BYTES = 12;

/** Short public name of a key, stored beside each value so the right key is picked to decrypt. */
export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

export class SecretDecryptionError extends DomainError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * AES-256-GCM for secrets at rest. A stored value is `v1:<keyId>:<iv>:<tag>:<ciphertext>`
 * (base64). The associated data binds a value to its row and field, so a ciphertext copied
 * into another row or field fails to decrypt instead of revealing a secret there.
 */
@Injectable()
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { current, previous } = config.secretKeys;
    this.current = { id: keyId(current), key: current };
    for (const key of [current, ...previous]) this.keys.set(keyId(key), key);
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.current.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  decrypt(stored: string, associatedData: string): string {
    const [format, id, iv, tag, ciphertext] = stored.split(':');
    if (format !== FORMAT || !id || !iv || !tag || ciphertext === undefined) throw new SecretDecryptionError('a stored secret is not in a known format');
    const key = this.keys.get(id);
    if (!key) throw new SecretDecryptionError(`a stored secret is encrypted with key ${id}, which is not configured (SECRETS_KEY / SECRETS_OLD_KEYS)`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('a stored secret failed its integrity check: it was altered or belongs to another record');
    }
  }

  knows(keyIdentifier: string): boolean {
    return this.keys.has(keyIdentifier);
  }

  /** Key id a stored value was encrypted with. */
  keyIdOf(stored: string): string | undefined {
    return stored.split(':')[1];
  }
}
