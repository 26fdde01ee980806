import { ConfigurationError } from '@hub/sdk';
import { credentialsFor, raceAbort, REDACTED, Redactor, RunAbortedError } from './connector-context';

describe('connector context pieces', () => {
  it('redacts secret values anywhere and fields named like secrets', () => {
    const r = new Redactor(['canary-secret-123'], ['apiKey']);
    expect(r.text('GET https://x.test/?key=canary-secret-123 failed')).toBe(`GET https://x.test/?key=${REDACTED} failed`);
    expect(r.value({ apiKey: 'anything', password: 'p', nested: { url: 'u?canary-secret-123' }, count: 3 })).toEqual({
      apiKey: REDACTED,
      password: REDACTED,
      nested: { url: `u?${REDACTED}` },
      count: 3,
    });
    const err = r.error(new ConfigurationError('key canary-secret-123 refused'));
    expect(err.message).toBe(`key ${REDACTED} refused`);
  });

  it('builds credentials from the installation settings when no vault credential is linked', () => {
    expect(credentialsFor({ type: 'none' }, {})).toEqual({ type: 'none' });
    expect(credentialsFor({ type: 'apiKey' }, { apiKey: 'k' })).toEqual({ type: 'apiKey', apiKey: 'k' });
    expect(() => credentialsFor({ type: 'apiKey' }, {})).toThrow(ConfigurationError);
    expect(() => credentialsFor({ type: 'oauth2', provider: 'salesforce', scopes: [] }, {})).toThrow(/OAuth/);
  });

  it('raceAbort settles on abort even if the work never does', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => undefined);
    const raced = raceAbort(never, controller.signal);
    controller.abort('hub:worker-shutdown');
    await expect(raced).rejects.toBeInstanceOf(RunAbortedError);
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });
});
