import { field } from '@hub/sdk';
import { z } from 'zod';
import { gateProblems } from './settings-gates';

const schema = z.object({
  region: field(z.string().default('us'), { title: 'Region' }),
  endpoint: z.url().optional().meta({ hubGate: 'HUB_TEST_ALLOW' }),
});

describe('gated settings', () => {
  it('refuses a gated field with a value while the hub variable is off or unknown', () => {
    expect(gateProblems(schema, { endpoint: 'http://127.0.0.1:1' }, { HUB_TEST_ALLOW: false })).toEqual([
      { path: 'settings.endpoint', message: expect.stringContaining('HUB_TEST_ALLOW=true') },
    ]);
    expect(gateProblems(schema, { endpoint: 'http://127.0.0.1:1' }, {})).toHaveLength(1);
    // A string "true" is not the validated boolean.
    expect(gateProblems(schema, { endpoint: 'http://127.0.0.1:1' }, { HUB_TEST_ALLOW: 'true' })).toHaveLength(1);
  });

  it('accepts it when the variable is true, and ignores unset gated fields', () => {
    expect(gateProblems(schema, { endpoint: 'http://127.0.0.1:1' }, { HUB_TEST_ALLOW: true })).toEqual([]);
    expect(gateProblems(schema, { region: 'eu' }, {})).toEqual([]);
  });
});
