import { parseKeyring } from '@hub/config';
import { CredentialIntegrityError, SecretBox } from './secret-box';

const k = (b: number) => Buffer.alloc(32, b).toString('base64');
const box = new SecretBox(parseKeyring(`k1:${k(1)}`));
const aad = 'installation-secrets:v1:ws-a:inst-1';

describe('SecretBox', () => {
  it('round-trips and records the key id', () => {
    const sealed = box.sealJson({ apiKey: 'canary-123' }, aad);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.ciphertext.toString('utf8')).not.toContain('canary');
    expect(box.openJson(sealed, aad)).toEqual({ apiKey: 'canary-123' });
  });

  it('fails on any flipped byte of ciphertext, IV or tag', () => {
    const sealed = box.seal('secret value', aad);
    for (const part of ['ciphertext', 'iv', 'authTag'] as const) {
      for (let i = 0; i < sealed[part].length; i++) {
        const copy = { ...sealed, [part]: Buffer.from(sealed[part]) };
        copy[part][i] ^= 0x01;
        expect(() => box.open(copy, aad)).toThrow(CredentialIntegrityError);
      }
    }
  });

  it('fails when moved to another row, field or workspace', () => {
    const sealed = box.seal('secret value', aad);
    for (const other of ['installation-secrets:v1:ws-b:inst-1', 'installation-secrets:v1:ws-a:inst-2', 'credential:v1:ws-a:inst-1']) {
      expect(() => box.open(sealed, other)).toThrow('integrity');
    }
  });

  it('decrypts with an old key after rotation and reports what needs re-keying', () => {
    const sealedOld = box.seal('v', aad);
    const rotated = new SecretBox(parseKeyring(`k2:${k(2)},k1:${k(1)}`));
    expect(rotated.needsRekey(sealedOld)).toBe(true);
    expect(rotated.open(sealedOld, aad).toString()).toBe('v');
    const resealed = rotated.seal('v', aad);
    expect(resealed.keyId).toBe('k2');
    const withoutOld = new SecretBox(parseKeyring(`k2:${k(2)}`));
    expect(withoutOld.open(resealed, aad).toString()).toBe('v');
    expect(() => withoutOld.open(sealedOld, aad)).toThrow(/not in HUB_ENCRYPTION_KEYS/);
  });

  it('never repeats an IV over a large sample', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(box.seal('x', aad).iv.toString('hex'));
    expect(seen.size).toBe(20000);
  });
});
