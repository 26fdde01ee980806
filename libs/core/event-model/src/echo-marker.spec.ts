import { HUB_ORIGIN_CONTEXT_KEY, isHubEcho, markHubOrigin } from './echo-marker';

describe('hub origin marker', () => {
  it('marks a copy of the context and keeps what was there', () => {
    const context = { ip: '1.2.3.4' };
    const marked = markHubOrigin(context, { installationId: 'i-1' });
    expect(marked).toEqual({ ip: '1.2.3.4', [HUB_ORIGIN_CONTEXT_KEY]: { installationId: 'i-1' } });
    expect(context).toEqual({ ip: '1.2.3.4' });
  });

  it('recognises marked messages only', () => {
    expect(isHubEcho({ context: markHubOrigin(undefined, { installationId: 'i-1' }) })).toBe(true);
    expect(isHubEcho({ context: { hubOrigin: 'yes' } })).toBe(false);
    expect(isHubEcho({ context: {} })).toBe(false);
    expect(isHubEcho({})).toBe(false);
    expect(isHubEcho({ context: null })).toBe(false);
  });
});
