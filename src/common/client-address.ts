import { BlockList, isIP } from 'node:net';

/**
 * Which peers may say where a request came from: none (the default), the proxies at these
 * addresses or networks, or a number of proxies in front of the relay whatever their address.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'list'; addresses: BlockList } | { kind: 'hops'; hops: number };

export const TRUST_NO_PROXY: TrustProxy = { kind: 'none' };

type HeaderValue = string | string[] | undefined;
/** The request headers that can name the client (lowercase, as Node gives them). */
export interface ForwardingHeaders {
  'x-forwarded-for'?: HeaderValue;
  forwarded?: HeaderValue;
}

const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/**
 * Reads TRUST_PROXY: empty or `false` trusts nobody, a whole number trusts that many proxies in
 * front, anything else is a comma-separated list of addresses and CIDR networks (`loopback`,
 * `private` as shorthands). Returns the problem when an entry is not one of these.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | { problem: string } {
  const text = (value ?? '').trim();
  if (text === '' || text === 'false') return TRUST_NO_PROXY;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops === 0 ? TRUST_NO_PROXY : { kind: 'hops', hops };
  }
  const addresses = new BlockList();
  for (const entry of text.split(',').map((item) => item.trim()).filter(Boolean)) {
    const shorthand = SHORTHANDS[entry];
    const ranges = shorthand ?? [entry];
    for (const range of ranges) {
      const [address = '', bits, ...rest] = range.split('/');
      const version = isIP(address);
      const prefix = bits === undefined ? (version === 6 ? 128 : 32) : /^\d+$/.test(bits) ? Number(bits) : NaN;
      if (version === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= (version === 6 ? 128 : 32))) {
        return { problem: `must be empty (trust no proxy), a number of proxies (1), or a comma-separated list of addresses and CIDR networks (127.0.0.1,10.0.0.0/8,fd00::/8, or loopback, private); "${entry}" is none of these` };
      }
      addresses.addSubnet(address, prefix, version === 6 ? 'ipv6' : 'ipv4');
    }
  }
  return { kind: 'list', addresses };
}

const SHORTHANDS: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** The `for=` addresses of a `Forwarded` header, first hop first; an obfuscated or unknown one is kept as it is. */
function forwardedFor(header: string): string[] {
  const hops: string[] = [];
  for (const element of header.split(',')) {
    const pair = element.split(';').map((part) => part.trim()).find((part) => part.toLowerCase().startsWith('for='));
    if (!pair) continue;
    let node = pair.slice(4).trim().replace(/^"(.*)"$/, '$1');
    // [2001:db8::1]:4711 → 2001:db8::1; 192.0.2.1:4711 → 192.0.2.1
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(node);
    if (bracketed) node = bracketed[1]!;
    else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(node)) node = node.split(':')[0]!;
    hops.push(node);
  }
  return hops;
}

/** The hops the proxies say the request went through, nearest the client first; `Forwarded` wins over `X-Forwarded-For`. */
function claimedHops(headers: ForwardingHeaders): string[] {
  const join = (value: HeaderValue): string => (Array.isArray(value) ? value.join(',') : (value ?? ''));
  const forwarded = join(headers.forwarded);
  if (forwarded.trim() !== '') return forwardedFor(forwarded);
  return join(headers['x-forwarded-for'])
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
}

/**
 * The address of the client behind a request, the same for REST and the Socket.IO handshake:
 * the peer's own address unless it is a trusted proxy, in which case the forwarding headers are
 * walked from the nearest hop back, as long as each hop is trusted too. An address a client
 * wrote itself into the header is never reached: only what trusted proxies appended counts.
 */
export function clientAddress(peer: string | undefined, headers: ForwardingHeaders, trust: TrustProxy): string {
  const direct = plain(peer ?? '');
  if (trust.kind === 'none' || direct === '') return direct;
  const hops = claimedHops(headers).map(plain);
  if (trust.kind === 'hops') {
    // The peer is proxy number 1; each further trusted proxy appended the one before it.
    const index = hops.length - trust.hops;
    const claimed = hops[Math.max(index, 0)];
    return claimed !== undefined && isIP(claimed) !== 0 ? claimed : direct;
  }
  let address = direct;
  while (isIP(address) !== 0 && trust.addresses.check(address, family(address))) {
    const next = hops.pop();
    if (next === undefined || isIP(next) === 0) break;
    address = next;
  }
  return address;
}
