import { secret } from '@hub/sdk';
import { z } from 'zod';
import { maskedSettings, mergeSettings, SECRET_MASK, splitSettings, validateSettings, withoutMasks } from './installation-settings';

const schema = z.object({
  region: z.enum(['eu', 'us']).default('us'),
  batchSize: z.number().int().min(1).max(500).optional(),
  apiKey: secret(z.string().min(8)),
  webhookSecret: secret(z.string()).optional(),
});
const secrets = ['apiKey', 'webhookSecret'];

describe('installation settings', () => {
  it('splits secret settings from plain ones', () => {
    const checked = validateSettings(schema, { region: 'eu', apiKey: 'canary-key-1', batchSize: 10 });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(splitSettings(schema, checked.values)).toEqual({
      plain: { region: 'eu', batchSize: 10 },
      secrets: { apiKey: 'canary-key-1' },
    });
  });

  it('lists every bad field under settings.<field>, unknown keys included', () => {
    const checked = validateSettings(schema, JSON.parse('{"region":"mars","batchSize":0,"regoin":"eu","__proto__":{"x":1}}'));
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.fields.map((f) => f.path).sort()).toEqual([
      'settings.__proto__',
      'settings.apiKey',
      'settings.batchSize',
      'settings.region',
      'settings.regoin',
    ]);
    expect(checked.fields.find((f) => f.path === 'settings.regoin')?.message).toBe('is not a setting of this connector');
  });

  it('masks set secrets and never returns their value', () => {
    const view = maskedSettings({ region: 'eu' }, ['apiKey']);
    expect(view).toEqual({ region: 'eu', apiKey: SECRET_MASK });
    expect(JSON.stringify(view)).not.toContain('canary');
  });

  it('PATCH merge: omitted secret kept, mask keeps, null removes, new value replaces', () => {
    const stored = { region: 'eu', batchSize: 5, apiKey: 'canary-key-1', webhookSecret: 'whsec-old' };
    expect(mergeSettings(stored, { region: 'us' }, secrets)).toEqual({ ...stored, region: 'us' });
    expect(mergeSettings(stored, { apiKey: SECRET_MASK, batchSize: null }, secrets)).toEqual({
      region: 'eu',
      apiKey: 'canary-key-1',
      webhookSecret: 'whsec-old',
    });
    expect(mergeSettings(stored, { apiKey: 'canary-key-2', webhookSecret: null }, secrets)).toEqual({
      region: 'eu',
      batchSize: 5,
      apiKey: 'canary-key-2',
    });
  });

  it('a __proto__ key in a PATCH stays an own key (reported), never a prototype', () => {
    const merged = mergeSettings({}, JSON.parse('{"__proto__":{"polluted":true}}'), secrets);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['__proto__']);
  });

  it('on create, a secret sent as the mask counts as missing', () => {
    const checked = validateSettings(schema, withoutMasks({ apiKey: SECRET_MASK }, secrets));
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.fields).toEqual([{ path: 'settings.apiKey', message: expect.any(String) }]);
  });
});
