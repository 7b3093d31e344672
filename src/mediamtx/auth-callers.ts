import { BlockList, isIPv4 } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';

const WARN_EVERY_MS = 60_000;

/** `::ffff:10.0.0.2` (an IPv4 client on a dual-stack socket) → `10.0.0.2`. */
const plainAddress = (address: string): string => (address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address);

/**
 * Who may call the auth callback: MediaMTX only. It proves itself with the hook secret in the
 * callback URL's query (`authHTTPAddress: http://relay:3000/api/mediamtx/auth?secret=...`:
 * MediaMTX sends no headers of its own choosing), or by calling from an address of
 * MEDIAMTX_AUTH_ALLOW_FROM.
 */
@Injectable()
export class MediaMtxAuthCallers {
  private readonly allowed = new BlockList();
  private readonly hookSecret: string;
  private lastWarning = 0;
  private refusedSinceWarning = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(LOGGER) private readonly logger: Logger) {
    this.hookSecret = config.mediamtx.hookSecret;
    for (const entry of config.mediamtx.authAllowFrom) {
      const [address, prefix] = entry.split('/');
      const family = isIPv4(address) ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
  }

  /**
   * Whether the caller is MediaMTX; a refusal is logged (at most once a minute, with a count). The
   * address is asked for only without the secret: reading it is a system call on each new connection.
   */
  admits(secret: unknown, remoteAddress: () => string | undefined): boolean {
    if (typeof secret === 'string' && secretsEqual(secret, this.hookSecret)) return true;
    const address = plainAddress(remoteAddress() ?? '');
    if (address !== '' && this.allowed.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return true;
    this.refusedSinceWarning += 1;
    const now = Date.now();
    if (now - this.lastWarning >= WARN_EVERY_MS) {
      this.logger.warn(
        { from: address, refused: this.refusedSinceWarning },
        'refused an auth callback that is not from MediaMTX: no secret in the URL (authHTTPAddress ...?secret=) and not from MEDIAMTX_AUTH_ALLOW_FROM',
      );
      this.lastWarning = now;
      this.refusedSinceWarning = 0;
    }
    return false;
  }
}
