import { createHubLogger } from './logger-options';
import { isSecretKey, REDACTED, scrubLine, scrubSecrets, scrubUrl } from './redaction';
import { CaptureStream } from '../testing/capture-stream';

const CANARIES = {
  password: 'canary-password-1f3a',
  apiKey: 'canary-apikey-77b2',
  authorization: 'Bearer canary-bearer-9c0d',
  writeKey: 'canary-writekey-5e6f',
  token: 'canary-token-2a2a',
  deep: 'canary-deep-secret-8d8d',
  errHeader: 'canary-err-header-3c3c',
  binding: 'canary-binding-4b4b',
};

function expectNoCanary(text: string): void {
  for (const canary of Object.values(CANARIES)) expect(text).not.toContain(canary);
}

describe('isSecretKey', () => {
  it.each(['password', 'Password', 'adminPassword', 'apiKey', 'api_key', 'x-api-key', 'writeKey', 'write_key', 'clientSecret',
    'client_secret', 'accessToken', 'refresh_token', 'token', 'secrets', 'authorization', 'cookie', 'set-cookie', 'x-signature',
    'settings', 'credentials', 'privateKey'])('%s is secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['tokenId', 'tokenKind', 'workspaceId', 'installationId', 'code', 'message', 'settingsSchema', 'credentialId', 'name', 'email'])(
    '%s is not secret',
    (key) => {
      expect(isSecretKey(key)).toBe(false);
    },
  );
});

describe('scrubSecrets', () => {
  it('redacts secret keys at any depth, in arrays too, without touching the input', () => {
    const input = {
      user: { email: 'a@example.com', password: CANARIES.password },
      installations: [{ id: 'i1', settings: { writeKey: CANARIES.writeKey, region: 'eu' } }],
      a: { b: { c: { d: { e: { apiKey: CANARIES.apiKey } } } } },
    };
    const copy = structuredClone(input);
    const out = scrubSecrets(input);
    expect(out).toEqual({
      user: { email: 'a@example.com', password: REDACTED },
      installations: [{ id: 'i1', settings: REDACTED }],
      a: { b: { c: { d: { e: { apiKey: REDACTED } } } } },
    });
    expect(input).toEqual(copy);
  });

  it('returns the same object when there is nothing to redact', () => {
    const input = { a: 1, b: { c: [1, 2, { d: 'x' }] }, when: new Date(0) };
    expect(scrubSecrets(input)).toBe(input);
  });

  it('survives cycles and redacts shared references wherever they appear', () => {
    const shared = { token: CANARIES.token };
    const input: Record<string, unknown> = { one: shared, two: shared };
    input['self'] = input;
    const out = scrubSecrets(input) as Record<string, unknown>;
    expect(out['one']).toEqual({ token: REDACTED });
    expect(out['two']).toEqual({ token: REDACTED });
    expect(out['self']).toBe('[Circular]');
  });

  it('serializes nested errors and redacts their properties', () => {
    const err = Object.assign(new Error('request failed'), { config: { headers: { Authorization: CANARIES.errHeader } } });
    const out = scrubSecrets({ cause: err as unknown }) as { cause: Record<string, unknown> };
    expect(out.cause['message']).toBe('request failed');
    expect(out.cause['type']).toBe('Error');
    expect(JSON.stringify(out)).not.toContain(CANARIES.errHeader);
  });
});

describe('scrubUrl', () => {
  it('redacts secret-named query values and OAuth codes, keeps the rest', () => {
    expect(scrubUrl('/cb?code=abc&state=xyz')).toBe(`/cb?code=${REDACTED}&state=xyz`);
    expect(scrubUrl('/v1/x?writeKey=k&access_token=t&limit=5')).toBe(`/v1/x?writeKey=${REDACTED}&access_token=${REDACTED}&limit=5`);
    expect(scrubUrl('/api/v1/workspaces?limit=5')).toBe('/api/v1/workspaces?limit=5');
    expect(scrubUrl('/plain')).toBe('/plain');
  });
});

describe('hub logger output', () => {
  function logger() {
    const stream = new CaptureStream();
    return { stream, log: createHubLogger({ level: 'info', service: 'worker', stream }) };
  }

  it('writes JSON lines with level label, ISO time and the service', () => {
    const { stream, log } = logger();
    log.info({ workspaceId: 'w1' }, 'hello');
    const [line] = stream.lines;
    expect(line).toMatchObject({ level: 'info', service: 'worker', workspaceId: 'w1', msg: 'hello' });
    expect(typeof line['time']).toBe('string');
    expect(new Date(line['time'] as string).toISOString()).toBe(line['time']);
  });

  it('contains none of the secrets of a nested object, a header, settings, an error or bindings', () => {
    const { stream, log } = logger();
    const child = log.child({ credentials: { secret: CANARIES.binding }, ctx: { db: { conn: { password: CANARIES.binding } } }, installationId: 'inst-1' });
    child.info(
      {
        password: CANARIES.password,
        user: { password: CANARIES.password, profile: { apiKey: CANARIES.apiKey } },
        req: { method: 'POST', url: '/x', headers: { authorization: CANARIES.authorization, 'content-type': 'application/json' } },
        installation: { id: 'inst-1', settings: { writeKey: CANARIES.writeKey } },
        deeply: { nested: { under: { many: { levels: { token: CANARIES.deep } } } } },
        token: CANARIES.token,
      },
      'saving installation',
    );
    child.error(
      { err: Object.assign(new Error('Segment said 401'), { request: { headers: { authorization: CANARIES.errHeader } } }) },
      'send failed',
    );
    expect(stream.raw).toHaveLength(2);
    expectNoCanary(stream.text);
    const [info, error] = stream.lines;
    expect(info).toMatchObject({
      installationId: 'inst-1',
      credentials: REDACTED,
      ctx: { db: { conn: { password: REDACTED } } },
      password: REDACTED,
      user: { password: REDACTED, profile: { apiKey: REDACTED } },
      installation: { id: 'inst-1', settings: REDACTED },
      req: { headers: { authorization: REDACTED, 'content-type': 'application/json' } },
      token: REDACTED,
    });
    expect(error).toMatchObject({
      err: { type: 'Error', message: 'Segment said 401', request: { headers: { authorization: REDACTED } } },
    });
  });

  it('respects the level', () => {
    const stream = new CaptureStream();
    const log = createHubLogger({ level: 'warn', service: 'admin', stream });
    log.info('quiet');
    log.warn('loud');
    expect(stream.lines.map((l) => l['msg'])).toEqual(['loud']);
  });
});

describe('scrubLine', () => {
  it('leaves innocent lines as they are and rewrites lines holding a secret', () => {
    const innocent = '{"level":"info","msg":"hello","workspaceId":"w1"}\n';
    expect(scrubLine(innocent)).toBe(innocent);
    const bound = `{"level":"info","ctx":{"a":{"b":{"apiKey":"${CANARIES.apiKey}"}}},"tokenId":"t1"}\n`;
    const out = scrubLine(bound);
    expect(out).not.toContain(CANARIES.apiKey);
    expect(JSON.parse(out)).toEqual({ level: 'info', ctx: { a: { b: { apiKey: REDACTED } } }, tokenId: 't1' });
    expect(out.endsWith('\n')).toBe(true);
    const alreadyClean = `{"level":"info","password":"${REDACTED}"}\n`;
    expect(scrubLine(alreadyClean)).toBe(alreadyClean);
  });
});
