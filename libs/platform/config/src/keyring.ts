/**
 * The vault keyring from HUB_ENCRYPTION_KEYS: comma-separated `id:base64key` entries, each key
 * exactly 32 bytes (AES-256). The first entry is the active key that encrypts; the others only
 * decrypt, so a rotation is "put the new key first, run `npm run vault:rotate`, drop the old".
 */
export interface Keyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function parseKeyring(value: string): Keyring {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key as "id:base64key"');
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const sep = entry.indexOf(':');
    if (sep <= 0) throw new Error('each entry must be "id:base64key" (e.g. k1:...), separated by commas');
    const id = entry.slice(0, sep);
    const encoded = entry.slice(sep + 1);
    if (!KEY_ID.test(id)) throw new Error(`key id "${id}" must be 1-32 letters, digits, _ or -`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error(`key "${id}" is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      throw new Error(`key "${id}" must decode to 32 bytes (got ${key.length}); generate one with: openssl rand -base64 32`);
    }
    keys.set(id, key);
  }
  return { activeKeyId: entries[0].slice(0, entries[0].indexOf(':')), keys };
}
