import { PermanentApiError, RateLimitError, validateDefinition, ValidationError } from '@hub/sdk';
import { createTestIntegration, disableNetwork, enableNetwork } from '@hub/testing';
import { segmentSourceConnector } from './segment-source.connector';

const baseUrl = 'https://api.segment-source.test';
const settings = { baseUrl, apiKey: 'test-api-key' };

describe('segment-source connector', () => {
  const t = createTestIntegration(segmentSourceConnector);
  beforeAll(() => disableNetwork());
  afterAll(() => enableNetwork());
  beforeEach(() => t.reset());

  it('is a valid connector definition', () => {
    expect(validateDefinition(segmentSourceConnector)).toEqual([]);
  });

  it('rejects invalid settings with one error per field', async () => {
    const error = await t.testCheck({ settings: { baseUrl: 'not a url' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields.map((f) => f.path)).toEqual(['baseUrl', 'apiKey']);
  });

  describe('check', () => {
    it('reports a working connection', async () => {
      t.intercept('GET', `${baseUrl}/v1/me`, { status: 200, json: { name: 'Test account' } });
      const { result } = await t.testCheck({ settings });
      expect(result).toEqual({ ok: true, message: `Connected to Segment Source at ${baseUrl}.` });
    });

    it('tells the admin what to do when access is refused', async () => {
      t.intercept('GET', `${baseUrl}/v1/me`, { status: 401, json: { error: 'unauthorized' } });
      const { result } = await t.testCheck({ settings });
      expect(result.ok).toBe(false);
      expect(result.message).toContain('refused the API key (HTTP 401)');
    });

    it('explains an unreachable partner', async () => {
      t.intercept('GET', `${baseUrl}/v1/me`, () => {
        throw new TypeError('fetch failed');
      });
      const { result } = await t.testCheck({ settings });
      expect(result).toEqual({
        ok: false,
        message: `Could not reach Segment Source at ${baseUrl} (fetch failed). Check the API base URL and that the hub can reach it.`,
      });
    });
  });

  describe('sendPing', () => {
    it('sends the ping in the partner wire format', async () => {
      t.intercept('POST', `${baseUrl}/v1/pings`, { status: 201, json: { id: 'ping-1' } });
      const { result, requests } = await t.testAction('sendPing', {
        settings,
        input: { message: 'Hello from the hub', userId: 'user-1' },
      });
      expect(result).toEqual({ id: 'ping-1' });
      expect(requests).toMatchInlineSnapshot(`
        [
          {
            "body": {
              "message": "Hello from the hub",
              "user_id": "user-1",
            },
            "headers": {
              "authorization": "Bearer test-api-key",
              "content-type": "application/json",
            },
            "method": "POST",
            "url": "https://api.segment-source.test/v1/pings",
          },
        ]
      `);
    });

    it('maps 429 to a RateLimitError that honours Retry-After', async () => {
      t.intercept('POST', `${baseUrl}/v1/pings`, { status: 429, headers: { 'retry-after': '30' }, json: { error: 'slow down' } });
      const error = await t.testAction('sendPing', { settings, input: { message: 'hi' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ retry: 'after', retryAfterMs: 30_000 });
    });

    it('maps 400 to a PermanentApiError carrying the partner message', async () => {
      t.intercept('POST', `${baseUrl}/v1/pings`, { status: 400, json: { error: 'message too long' } });
      const error = await t.testAction('sendPing', { settings, input: { message: 'hi' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentApiError);
      expect(error).toMatchObject({ status: 400, retry: 'never' });
      expect((error as Error).message).toContain('message too long');
    });

    it('rejects invalid input before calling the partner', async () => {
      const error = await t.testAction('sendPing', { settings, input: { message: '' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields.map((f) => f.path)).toEqual(['message']);
      expect(t.requests).toEqual([]);
    });
  });

  describe('syncRecords', () => {
    it('pages through records, emits identify calls and saves the cursor', async () => {
      t.intercept(
        'GET',
        `${baseUrl}/v1/records`,
        { json: { records: [{ id: 'r1', attributes: { plan: 'pro' } }], nextCursor: 'c2' } },
        { times: 1 },
      );
      t.intercept('GET', `${baseUrl}/v1/records`, { json: { records: [{ id: 'r2' }], nextCursor: null } }, { times: 1 });

      const { result, emitted, checkpoint, requests } = await t.testJob('syncRecords', { settings, payload: { pageSize: 1 } });
      expect(result).toEqual({ synced: 2 });
      expect(emitted).toEqual([
        { type: 'identify', userId: 'r1', traits: { plan: 'pro' } },
        { type: 'identify', userId: 'r2', traits: {} },
      ]);
      expect(checkpoint).toEqual({ cursor: 'c2' });
      expect(requests.map((r) => r.url)).toEqual([`${baseUrl}/v1/records?limit=1`, `${baseUrl}/v1/records?limit=1&cursor=c2`]);
    });

    it('resumes from the saved checkpoint', async () => {
      t.intercept('GET', `${baseUrl}/v1/records`, { json: { records: [], nextCursor: null } });
      const { requests } = await t.testJob('syncRecords', { settings, payload: {}, checkpoint: { cursor: 'c9' } });
      expect(requests.map((r) => r.url)).toEqual([`${baseUrl}/v1/records?limit=100&cursor=c9`]);
    });

    it('rejects an invalid payload', async () => {
      const error = await t.testJob('syncRecords', { settings, payload: { pageSize: 0 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
    });
  });
});
