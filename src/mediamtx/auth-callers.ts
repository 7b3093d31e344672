import { BlockList, isIPv4 } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { clientAddress, type ForwardingHeaders, type TrustProxy } from '../common/client-address.js';
import { secretsEqual } from '../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';

const WARN_EVERY_MS = 60_000;

/**
 * Who may call the auth callback: MediaMTX only. It proves itself with the hook secret in the
 * callback URL's query (`authHTTPAddress: http://relay:3000/api/mediamtx/auth?secret=...`:
 * MediaMTX sends no headers of its own choosing), or by calling from an address of
 * MEDIAMTX_AUTH_ALLOW_FROM: the client address as everywhere else, so behind a proxy of
 * TRUST_PROXY the address the proxy forwards, and never a forwarding header from anyone else.
 */
@Injectable()
export class MediaMtxAuthCallers {
  private readonly allowed = new BlockList();
  private readonly hookSecret: string;
  private readonly trustProxy: TrustProxy;
  private lastWarning = 0;
  private refusedSinceWarning = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(LOGGER) private readonly logger: Logger) {
    this.hookSecret = config.mediamtx.hookSecret;
    this.trustProxy = config.trustProxy;
    for (const entry of config.mediamtx.authAllowFrom) {
      const [address, prefix] = entry.split('/');
      const family = isIPv4(address) ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
  }

  /**
   * Whether the caller is MediaMTX; a refusal is logged (at most once a minute, with a count). The
   * peer's address is asked for only without the secret: reading it is a system call on each new connection.
   */
  admits(secret: unknown, peer: () => string | undefined, headers: ForwardingHeaders): boolean {
    if (typeof secret === 'string' && secretsEqual(secret, this.hookSecret)) return true;
    const address = clientAddress(peer(), headers, this.trustProxy);
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
