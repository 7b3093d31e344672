import { describe, expect, it } from '@jest/globals';
import { clientAddress, parseTrustProxy, type TrustProxy } from './client-address.js';

const trust = (value: string): TrustProxy => {
  const parsed = parseTrustProxy(value);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
};

describe('clientAddress', () => {
  it('believes no header when no proxy is trusted', () => {
    expect(clientAddress('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' }, trust(''))).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', { forwarded: 'for=1.2.3.4' }, trust('false'))).toBe('203.0.113.9');
  });

  it('ignores the header of a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' }, trust('127.0.0.1'))).toBe('203.0.113.9');
  });

  it('takes the hop the trusted proxy appended, not what the client wrote before it', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' };
    expect(clientAddress('127.0.0.1', headers, trust('127.0.0.1'))).toBe('198.51.100.7');
    expect(clientAddress('::ffff:127.0.0.1', headers, trust('loopback'))).toBe('198.51.100.7');
  });

  it('walks back through a chain of trusted proxies', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.1.2.3' };
    expect(clientAddress('127.0.0.1', headers, trust('127.0.0.0/8,10.0.0.0/8'))).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', headers, trust('2'))).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', headers, trust('1'))).toBe('10.1.2.3');
  });

  it('reads Forwarded, quoted and bracketed IPv6 with ports included', () => {
    const headers = { forwarded: 'for=6.6.6.6, for="[2001:db8::7]:4711";proto=https', 'x-forwarded-for': '9.9.9.9' };
    expect(clientAddress('10.0.0.1', headers, trust('private'))).toBe('2001:db8::7');
    expect(clientAddress('10.0.0.1', { forwarded: 'for=192.0.2.60:8080' }, trust('1'))).toBe('192.0.2.60');
  });

  it('keeps the last trusted address when a hop is not an address', () => {
    expect(clientAddress('127.0.0.1', { 'x-forwarded-for': 'unknown' }, trust('127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', {}, trust('1'))).toBe('127.0.0.1');
  });
});

describe('parseTrustProxy', () => {
  it('refuses what is not an address, a network or a count', () => {
    for (const value of ['proxy.local', '10.0.0.0/33', '1.2.3.4/x', '::1/129', '-1']) expect(parseTrustProxy(value)).toHaveProperty('problem');
    expect(parseTrustProxy('0')).toEqual({ kind: 'none' });
  });
});
