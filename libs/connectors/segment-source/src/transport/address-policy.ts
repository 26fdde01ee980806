import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a connection may reach. Segment's hosts are public: an answer of 127.0.0.1,
 * 10.x, 169.254.169.254 (cloud metadata) or ::ffff:127.0.0.1 for `api.segment.io` is a DNS
 * rebinding attack or a poisoned resolver, and the connection is refused before it is opened.
 * Only the gated custom endpoint (a local stand-in) may be private.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:7f00:1) is judged as the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
}

export class NonPublicAddressError extends Error {
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolved to ${address}, which is not a public address: refused (DNS rebinding protection)`);
    this.name = 'NonPublicAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type LookupFn = (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => void;

/** Resolver hook for tests (DNS rebinding): the real `dns.lookup` otherwise. */
let resolver: (hostname: string) => Promise<LookupAddress[]> = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export function setResolverForTests(fn: ((hostname: string) => Promise<LookupAddress[]>) | undefined): void {
  resolver = fn ?? ((hostname) => new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, a) => (err ? reject(err) : resolve(a)))));
}

/**
 * A `lookup` for `net.connect` that resolves once and hands the socket exactly the address it
 * checked, so there is no second resolution between the check and the connection (TOCTOU).
 * Every address in the answer must be public, not just the first: a mixed answer is an attack.
 */
export function pinnedLookup(allowPrivate: boolean): LookupFn {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const usable = addresses.filter((a) => (options.family ? a.family === options.family : true));
        if (usable.length === 0) {
          const err = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException;
          return callback(err, '');
        }
        if (!allowPrivate) {
          const bad = usable.find((a) => !isPublicAddress(a.address));
          if (bad) return callback(new NonPublicAddressError(hostname, bad.address) as NodeJS.ErrnoException, '');
        }
        if (options.all) return callback(null, usable);
        callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/** A host written as an IP literal never reaches `lookup`; it is checked here instead. */
export function checkLiteralHost(hostname: string, allowPrivate: boolean): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) && !allowPrivate && !isPublicAddress(bare)) throw new NonPublicAddressError(hostname, bare);
}
