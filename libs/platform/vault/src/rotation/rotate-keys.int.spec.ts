import { randomUUID } from 'node:crypto';
import { parseKeyring } from '@hub/config';
import { dataSourceOptions, runMigrations } from '@hub/persistence';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runRotateKeysCli } from '../cli/rotate-keys.command';
import { credentialAad, inboundKeyAad, installationSecretsAad, oauthStateAad, SecretBox } from '../secret-box';
import { rotateKeys } from './rotate-keys';

const key = (b: number) => Buffer.alloc(32, b).toString('base64');
const K1 = `k1:${key(11)}`;
const K2 = `k2:${key(22)}`;
const K3 = `k3:${key(33)}`;
const boxOf = (ring: string) => new SecretBox(parseKeyring(ring));
// A loaded 2-core runner is slow; the jest project's testTimeout does not reach here.
jest.setTimeout(30_000);

// Rotation re-keys every row of the database, so this file works in a database of its own
// rather than re-keying rows other test files sealed with the suite's key.
const url = (() => {
  const u = new URL(process.env.DATABASE_URL as string);
  u.pathname = `${u.pathname}_rotate`;
  return u.toString();
})();

interface SecretRow {
  id: string;
  workspace_id: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

describe('rotateKeys (real PostgreSQL)', () => {
  let ds: DataSource;
  const ws = randomUUID();
  const installationIds: string[] = [];
  const credentialIds: string[] = [];
  const canary = (id: string) => `canary-${id}`;

  const read = async (table: 'installation_secrets' | 'credentials'): Promise<SecretRow[]> =>
    ds.query(
      `SELECT ${table === 'credentials' ? 'id' : 'installation_id'} AS id, workspace_id, key_id, iv, ciphertext, auth_tag FROM ${table}`,
    );
  const openRow = (box: SecretBox, table: 'installation_secrets' | 'credentials', row: SecretRow) =>
    box.openJson<{ value: string }>(
      { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag },
      (table === 'credentials' ? credentialAad : installationSecretsAad)(row.workspace_id, row.id),
    ).value;

  beforeAll(async () => {
    await runMigrations(url);
    ds = await new DataSource(dataSourceOptions(url, 4)).initialize();
    await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Rotate', $2)`, [ws, `r-${ws}`]);
    const k1 = boxOf(K1);
    for (let i = 0; i < 7; i++) {
      const id = randomUUID();
      installationIds.push(id);
      await ds.query(
        `INSERT INTO installations (id, workspace_id, connector_id, connector_version, name) VALUES ($1, $2, 'x', '1.0.0', 'X')`,
        [id, ws],
      );
      const s = k1.sealJson({ value: canary(id) }, installationSecretsAad(ws, id));
      await ds.query(
        `INSERT INTO installation_secrets (installation_id, workspace_id, key_id, iv, ciphertext, auth_tag) VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, ws, s.keyId, s.iv, s.ciphertext, s.authTag],
      );
    }
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      credentialIds.push(id);
      const s = k1.sealJson({ value: canary(id) }, credentialAad(ws, id));
      await ds.query(
        `INSERT INTO credentials (id, workspace_id, type, label, key_id, iv, ciphertext, auth_tag) VALUES ($1, $2, 'apiKey', 'L', $3, $4, $5, $6)`,
        [id, ws, s.keyId, s.iv, s.ciphertext, s.authTag],
      );
    }
    // Two Webhooks shared secrets (sealed) and one hashed key (no key id: never re-sealed).
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      const s = k1.seal(`shared-${id}`, inboundKeyAad(ws, id));
      await ds.query(
        `INSERT INTO inbound_keys (id, workspace_id, installation_id, name, prefix, key_id, iv, ciphertext, auth_tag)
         VALUES ($1, $2, $3, 'sharedSecret', 'whsec', $4, $5, $6, $7)`,
        [id, ws, installationIds[i], s.keyId, s.iv, s.ciphertext, s.authTag],
      );
    }
    await ds.query(
      `INSERT INTO inbound_keys (workspace_id, installation_id, name, prefix, key_hash) VALUES ($1, $2, 'apiKey', 'sk_', $3)`,
      [ws, installationIds[0], Buffer.alloc(32, 1)],
    );
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      const s = k1.seal(`verifier-${id}`, oauthStateAad(ws, id));
      await ds.query(
        `INSERT INTO oauth_states (id, state_hash, binding_hash, workspace_id, user_id, provider, key_id, iv, ciphertext, auth_tag, expires_at)
         VALUES ($1, $2, $2, $3, $4, 'generic', $5, $6, $7, $8, now() + interval '10 minutes')`,
        [id, Buffer.from(id), ws, randomUUID(), s.keyId, s.iv, s.ciphertext, s.authTag],
      );
    }
  });

  afterAll(async () => {
    await ds?.destroy();
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${decodeURIComponent(new URL(url).pathname.slice(1))}" WITH (FORCE)`);
    await client.end();
  });

  it('re-seals every row under the new active key in batches; afterwards only the new key is needed', async () => {
    const result = await rotateKeys(ds, boxOf(`${K2},${K1}`), { batchSize: 3 });
    expect(result).toEqual({ activeKeyId: 'k2', rekeyed: { installationSecrets: 7, credentials: 5, oauthStates: 2, inboundKeys: 2 }, failed: [], remaining: 0 });

    const onlyK2 = boxOf(K2);
    const secrets = await read('installation_secrets');
    const creds = await read('credentials');
    expect(secrets).toHaveLength(7);
    expect(creds).toHaveLength(5);
    for (const row of secrets) {
      expect(row.key_id).toBe('k2');
      expect(openRow(onlyK2, 'installation_secrets', row)).toBe(canary(row.id));
    }
    for (const row of creds) {
      expect(row.key_id).toBe('k2');
      expect(openRow(onlyK2, 'credentials', row)).toBe(canary(row.id));
    }
    const shared = (await ds.query(
      `SELECT id, workspace_id, key_id, iv, ciphertext, auth_tag FROM inbound_keys WHERE ciphertext IS NOT NULL`,
    )) as SecretRow[];
    expect(shared).toHaveLength(2);
    for (const row of shared) {
      expect(row.key_id).toBe('k2');
      const opened = onlyK2.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag }, inboundKeyAad(row.workspace_id, row.id));
      expect(opened.toString('utf8')).toBe(`shared-${row.id}`);
    }
    const states = (await ds.query(`SELECT id, workspace_id, key_id, iv, ciphertext, auth_tag FROM oauth_states`)) as SecretRow[];
    for (const row of states) {
      expect(row.key_id).toBe('k2');
      const opened = onlyK2.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag }, oauthStateAad(row.workspace_id, row.id));
      expect(opened.toString()).toBe(`verifier-${row.id}`);
    }
    // Nothing left to do: a second run is a no-op, and records nothing.
    expect((await rotateKeys(ds, boxOf(`${K2},${K1}`))).rekeyed).toEqual({ installationSecrets: 0, credentials: 0, oauthStates: 0, inboundKeys: 0 });
    // The workspace's owners see the rotation in its audit log: counts and the key id, never a key.
    const audit = (await ds.query(`SELECT actor_user_id, target_type, target_id, details FROM audit_events WHERE workspace_id = $1 AND action = 'vault.keys_rotated'`, [
      ws,
    ])) as { actor_user_id: string | null; target_type: string; target_id: string; details: Record<string, unknown> }[];
    expect(audit).toEqual([
      {
        actor_user_id: null,
        target_type: 'keyring',
        target_id: 'k2',
        details: { activeKeyId: 'k2', rekeyed: { installationSecrets: 7, credentials: 5, oauthStates: 2, inboundKeys: 2 } },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(key(22));
  });

  it('skips a row the running hub holds locked instead of waiting, and reports it as remaining', async () => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE`, [credentialIds[0]]);
      const result = await rotateKeys(ds, boxOf(`${K3},${K2}`), { batchSize: 2 });
      expect(result.rekeyed).toEqual({ installationSecrets: 7, credentials: 4, oauthStates: 2, inboundKeys: 2 });
      expect(result.remaining).toBe(1);
    } finally {
      await runner.commitTransaction();
      await runner.release();
    }
    const again = await rotateKeys(ds, boxOf(`${K3},${K2}`));
    expect(again.rekeyed).toEqual({ installationSecrets: 0, credentials: 1, oauthStates: 0, inboundKeys: 0 });
    expect(again.remaining).toBe(0);
  });

  it('reports a row it cannot open (tampered, or its key removed) once, re-keys the rest and keeps going', async () => {
    const [victim] = await read('credentials');
    const tampered = Buffer.from(victim.ciphertext);
    tampered[0] ^= 0xff;
    await ds.query(`UPDATE credentials SET ciphertext = $1 WHERE id = $2`, [tampered, victim.id]);
    const result = await rotateKeys(ds, boxOf(`k4:${key(44)},${K3}`), { batchSize: 1 });
    expect(result.rekeyed).toEqual({ installationSecrets: 7, credentials: 4, oauthStates: 2, inboundKeys: 2 });
    expect(result.failed).toEqual([{ table: 'credentials', id: victim.id, reason: expect.stringMatching(/integrity/) }]);
    expect(result.remaining).toBe(1);
    expect(JSON.stringify(result)).not.toContain('canary-');
    await ds.query(`DELETE FROM credentials WHERE id = $1`, [victim.id]);
  });

  it('runs as a command: JSON summary, exit 0 when done, 2 on bad usage or a bad keyring, never a key in the output', async () => {
    const lines: string[] = [];
    const env = { ...process.env, DATABASE_URL: url, HUB_ENCRYPTION_KEYS: `k5:${key(55)},k4:${key(44)}` };
    expect(await runRotateKeysCli(['--batch-size', '2'], { env, out: (l) => lines.push(l) })).toBe(0);
    const summary = JSON.parse(lines.at(-1) as string);
    expect(summary).toMatchObject({ level: 'info', activeKeyId: 'k5', rekeyed: { installationSecrets: 7, credentials: 4, oauthStates: 2, inboundKeys: 2 }, remaining: 0 });
    expect(lines.join('\n')).not.toContain(key(55));

    expect(await runRotateKeysCli(['--batch-size', '0'], { env, out: (l) => lines.push(l) })).toBe(2);
    const short = { ...env, HUB_ENCRYPTION_KEYS: `k6:${Buffer.alloc(16, 1).toString('base64')}` };
    const errors: string[] = [];
    expect(await runRotateKeysCli([], { env: short, out: (l) => errors.push(l) })).toBe(2);
    expect(errors.join('\n')).toMatch(/HUB_ENCRYPTION_KEYS/);
    expect(errors.join('\n')).not.toContain(Buffer.alloc(16, 1).toString('base64'));
  });
});
