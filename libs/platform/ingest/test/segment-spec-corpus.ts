/**
 * Segment Spec messages as Segment's documentation shows them (common fields, full `context`),
 * one per call type, plus the variations real senders produce: snake_case fields, numeric ids,
 * unicode everywhere, sizes around the 32 KB event limit.
 */
export const fullContext = {
  active: true,
  app: { name: 'InitechGlobal', version: '545', build: '3.0.1.545', namespace: 'com.production.segment' },
  campaign: { name: 'TPS Innovation Newsletter', source: 'Newsletter', medium: 'email', term: 'tps reports', content: 'image link' },
  device: {
    id: 'B5372DB0-C21E-11E4-8DFC-AA07A5B093DB',
    advertisingId: '7A3CBEA0-BDF5-11E4-8DFC-AA07A5B093DB',
    adTrackingEnabled: true,
    manufacturer: 'Apple',
    model: 'iPhone7,2',
    name: 'maguro',
    type: 'ios',
    token: 'ff15bc0c20c4aa6cd50854ff165fd265c838e5405bfeb9571066395b8c9da449',
  },
  ip: '8.8.8.8',
  library: { name: 'analytics.js', version: '2.11.1' },
  locale: 'nl-NL',
  location: { city: 'San Francisco', country: 'United States', latitude: 40.2964197, longitude: -76.9411617, speed: 0 },
  network: { bluetooth: false, carrier: 'T-Mobile US', cellular: true, wifi: false },
  os: { name: 'iPhone OS', version: '8.1.3' },
  page: { path: '/academy/', referrer: '', search: '', title: 'Analytics Academy', url: 'https://segment.com/academy/' },
  referrer: { id: 'ABCD582CDEFFFF01919', type: 'dataxu' },
  screen: { width: 320, height: 568, density: 2 },
  groupId: '12345',
  timezone: 'Europe/Amsterdam',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1',
  userAgentData: { brands: [{ brand: 'Chromium', version: '110' }], mobile: false, platform: 'macOS' },
};

const common = (messageId: string) => ({
  anonymousId: '507f191e810c19729de860ea',
  context: fullContext,
  integrations: { All: true, Mixpanel: false, Salesforce: false },
  messageId,
  receivedAt: '2015-02-23T22:28:55.387Z',
  sentAt: '2015-02-23T22:28:55.111Z',
  originalTimestamp: '2015-02-23T22:28:54.000Z',
  version: 2,
});

export const specExamples: Record<string, Record<string, unknown>> = {
  identify: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093db'),
    type: 'identify',
    userId: '97980cfea0067',
    traits: {
      name: 'Peter Gibbons',
      email: 'peter@example.com',
      plan: 'premium',
      logins: 5,
      address: { street: '6th St', city: 'San Francisco', state: 'CA', postalCode: '94103', country: 'USA' },
      company: { id: 'initech', name: 'Initech', industry: 'Technology', employee_count: 123, plan: 'enterprise' },
    },
  },
  track: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093dc'),
    type: 'track',
    userId: '97980cfea0067',
    event: 'Registered',
    properties: { plan: 'Pro Annual', accountType: 'Facebook', revenue: 19.99, currency: 'USD' },
  },
  page: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093dd'),
    type: 'page',
    userId: '97980cfea0067',
    name: 'Home',
    category: 'Docs',
    properties: { title: 'Welcome | Initech', url: 'http://www.example.com' },
  },
  screen: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093de'),
    type: 'screen',
    userId: '97980cfea0067',
    name: 'Home',
    properties: { Feed_Type: 'private' },
  },
  group: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093df'),
    type: 'group',
    userId: '97980cfea0067',
    groupId: '0e8c78ea9d97a7b8185e8632',
    traits: { name: 'Initech', industry: 'Technology', employees: 329, plan: 'enterprise', 'total billed': 830 },
  },
  alias: {
    ...common('022bb90c-bbac-11e4-8dfc-aa07a5b093e0'),
    type: 'alias',
    previousId: '39239-239239-239239-23923',
    userId: '507f191e81',
  },
};

/** The same calls as senders that write snake_case send them. */
export const snakeCaseExamples: Record<string, Record<string, unknown>> = {
  identify: { type: 'identify', user_id: 'snake-1', message_id: 'snake-identify', traits: { first_name: 'Ada', created_at: '2024-01-02T03:04:05Z' } },
  track: {
    type: 'track',
    anonymous_id: 'anon-snake',
    message_id: 'snake-track',
    event: 'Product Viewed',
    original_timestamp: '2024-05-01T10:00:00.000Z',
    sent_at: '2024-05-01T10:00:05.000Z',
  },
  group: { type: 'group', user_id: 'snake-1', group_id: 'acme', message_id: 'snake-group', traits: { employee_count: 5 } },
  alias: { type: 'alias', user_id: 'snake-2', previous_id: 'anon-snake', message_id: 'snake-alias' },
};

export const unicodeTrack = {
  type: 'track',
  userId: 'ユーザー-😀',
  messageId: 'unicode-✓',
  event: 'Commande passée — 注文 🛒',
  properties: { rtl: 'مرحبا بالعالم', combining: 'e\u0301', emoji: '👩‍👩‍👧‍👦', nul: 'a\u0000b', astral: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢' },
};

/** A track event whose JSON encoding is exactly `bytes` long. */
export function trackOfSize(bytes: number, messageId: string): Record<string, unknown> {
  const base = { type: 'track', userId: 'sized', messageId, event: 'Sized', properties: { pad: '' } };
  const overhead = Buffer.byteLength(JSON.stringify(base), 'utf8');
  return { ...base, properties: { pad: 'x'.repeat(bytes - overhead) } };
}
