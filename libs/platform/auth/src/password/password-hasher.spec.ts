import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyDummyPassword, verifyPassword } from './password-hasher';

describe('password hashing (scrypt)', () => {
  it('round-trips and refuses a wrong password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('encodes scrypt$N$r$p$salt$hash with a 16-byte salt and today\'s parameters', async () => {
    const hash = await hashPassword('p4ssw0rd-long-enough');
    const [scheme, n, r, p, salt, key] = hash.split('$');
    expect(scheme).toBe('scrypt');
    expect([Number(n), Number(r), Number(p)]).toEqual([SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(hash).not.toContain('p4ssw0rd');
    expect(needsRehash(hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!!'), hashPassword('same password!!')]);
    expect(a).not.toBe(b);
  });

  it('verifies hashes made with other (older) parameters and flags them for rehash', async () => {
    // A hash made at N=2^14 (cheaper), as an older release might have stored it.
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('legacy password', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const legacy = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    await expect(verifyPassword('legacy password', legacy)).resolves.toBe(true);
    expect(needsRehash(legacy)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['N far too large', `scrypt$${2 ** 24}$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==`],
    ['r far too large', 'scrypt$16384$1000$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['not base64', 'scrypt$16384$8$1$%%%$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['missing parts', 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0'],
  ])('answers false (never throws) for an unreadable hash: %s', async (_label, encoded) => {
    await expect(verifyPassword('anything', encoded)).resolves.toBe(false);
    expect(needsRehash(encoded)).toBe(true);
  });

  it('the dummy verification always fails', async () => {
    await expect(verifyDummyPassword('any password')).resolves.toBe(false);
  });

  it('the dummy verification costs about as much as a real one (unknown emails are not faster)', async () => {
    const hash = await hashPassword('timing password');
    await verifyDummyPassword('warm up');
    const time = async (fn: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await fn();
      return Number(process.hrtime.bigint() - start);
    };
    const real = await time(() => verifyPassword('wrong guess', hash));
    const dummy = await time(() => verifyDummyPassword('wrong guess'));
    // Same scrypt work both ways; a wide band because CI machines are noisy. A dummy that skipped
    // the work would be ~0.
    expect(dummy / real).toBeGreaterThan(0.3);
    expect(dummy / real).toBeLessThan(3.5);
  });
});
