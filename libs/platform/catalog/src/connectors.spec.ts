import { validateDefinition } from '@hub/sdk';
import { connectors } from './connectors';

// The host refuses to boot on a bad or duplicated definition; catch it here, before a deploy.
describe('connector catalog', () => {
  it('lists at least the example connector', () => {
    expect(connectors.map((c) => c.id)).toContain('example');
  });

  it.each(connectors.map((c) => [c.id, c] as const))('%s is a valid definition', (_id, connector) => {
    expect(validateDefinition(connector)).toEqual([]);
  });

  it('has unique ids', () => {
    const ids = connectors.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
