import { ConfigurationError } from '@hub/sdk';
import { credentialsFor, httpClientFor, raceAbort, REDACTED, Redactor, RunAbortedError } from './connector-context';

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
    // The stack repeats the message; BullMQ stores it in Redis between attempts.
    const early = new ConfigurationError('token canary-secret-123 expired');
    expect(early.stack).toContain('canary-secret-123');
    expect(r.error(early).stack).not.toContain('canary-secret-123');
  });

  it('builds credentials from the installation settings when no vault credential is linked', () => {
    expect(credentialsFor({ type: 'none' }, {})).toEqual({ type: 'none' });
    expect(credentialsFor({ type: 'apiKey' }, { apiKey: 'k' })).toEqual({ type: 'apiKey', apiKey: 'k' });
    expect(() => credentialsFor({ type: 'apiKey' }, {})).toThrow(ConfigurationError);
    expect(() => credentialsFor({ type: 'oauth2', provider: 'salesforce', scopes: [] }, {})).toThrow(/OAuth/);
  });

  it('an OAuth client refreshes once on a 401 and retries the request once with the new token', async () => {
    const sent: string[] = [];
    let accepted = 'Bearer new-token';
    // No network: fetch is replaced for this test only.
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      const auth = (init?.headers as Record<string, string>).authorization;
      sent.push(auth);
      return new Response('{}', { status: auth === accepted ? 200 : 401 });
    });
    try {
      const credentials = { type: 'oauth2' as const, accessToken: 'old-token', metadata: {} };
      const rejected: string[] = [];
      const client = httpClientFor(credentials, new AbortController().signal, async (token) => {
        rejected.push(token);
        credentials.accessToken = 'new-token';
      });
      expect((await client.request({ url: 'https://crm.test/me', method: 'POST', json: { a: 1 } })).status).toBe(200);
      expect(sent).toEqual(['Bearer old-token', 'Bearer new-token']);
      expect(rejected).toEqual(['old-token']);

      // Refused again after its one refresh and one retry: that 401 is the connector's answer.
      accepted = 'nobody';
      expect((await client.request({ url: 'https://crm.test/me' })).status).toBe(401);
      expect(rejected).toEqual(['old-token', 'new-token']);
      expect(sent).toHaveLength(4);

      // Without a vault credential (settings-based auth) a 401 is simply returned.
      const plain = httpClientFor({ type: 'apiKey', apiKey: 'k' }, new AbortController().signal);
      expect((await plain.request({ url: 'https://crm.test/me' })).status).toBe(401);
      expect(sent).toHaveLength(5);
    } finally {
      fetchSpy.mockRestore();
    }
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
