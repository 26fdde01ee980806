import { InvalidConfigError, loadConfig } from './load-config';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const base = { HUB_ENCRYPTION_KEYS: `k1:${key(1)}` };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.problems.map((p) => p.variable);
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/hub');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.ADMIN_PORT).toBe(3000);
    expect(config.WORKER_PORT).toBe(3001);
    expect(config.HUB_PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.HUB_ENCRYPTION_KEYS.activeKeyId).toBe('k1');
  });

  it('names every bad variable', () => {
    expect(
      problems({ ...base, DATABASE_URL: 'mysql://x', ADMIN_PORT: '70000', LOG_LEVEL: 'loud', HUB_ADMIN_EMAIL: 'nope' }).sort(),
    ).toEqual(['ADMIN_PORT', 'DATABASE_URL', 'HUB_ADMIN_EMAIL', 'LOG_LEVEL']);
  });

  it('requires the keyring and never runs with encryption off', () => {
    expect(problems({})).toEqual(['HUB_ENCRYPTION_KEYS']);
    expect(problems({ HUB_ENCRYPTION_KEYS: 'k1:' + Buffer.alloc(16).toString('base64') })).toEqual(['HUB_ENCRYPTION_KEYS']);
    expect(problems({ HUB_ENCRYPTION_KEYS: 'nokey' })).toEqual(['HUB_ENCRYPTION_KEYS']);
  });

  it('does not echo secret values in its message', () => {
    const secret = 'k1:' + Buffer.alloc(20, 9).toString('base64');
    try {
      loadConfig({ HUB_ENCRYPTION_KEYS: secret, HUB_ADMIN_PASSWORD: 'short' });
      throw new Error('expected failure');
    } catch (err) {
      expect((err as Error).message).not.toContain(secret.slice(3));
      expect((err as Error).message).not.toContain('short');
      expect((err as Error).message).toContain('HUB_ADMIN_PASSWORD');
    }
  });

  it('keeps the first keyring entry active and the rest for decryption', () => {
    const config = loadConfig({ HUB_ENCRYPTION_KEYS: `new:${key(2)}, old:${key(3)}` });
    expect(config.HUB_ENCRYPTION_KEYS.activeKeyId).toBe('new');
    expect([...config.HUB_ENCRYPTION_KEYS.keys.keys()]).toEqual(['new', 'old']);
  });
});

describe('loadConfig with *_FILE variables', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');

  it('reads a secret from the file named by <NAME>_FILE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubcfg-'));
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, `k9:${key(9)}\n`);
    expect(loadConfig({ HUB_ENCRYPTION_KEYS_FILE: file }).HUB_ENCRYPTION_KEYS.activeKeyId).toBe('k9');
  });

  it('names the _FILE variable when the file cannot be read', () => {
    expect(problems({ HUB_ENCRYPTION_KEYS_FILE: '/nonexistent/keys' })).toEqual(['HUB_ENCRYPTION_KEYS_FILE']);
  });
});
