/**
 * The benchmark's events: realistic `track` calls of about 900 bytes on the wire (properties,
 * a user agent, page context, some non-ASCII text), generated from the index so the hub and
 * the bare client send exactly the same events without holding them all in memory.
 */
const NAMES = ['Order Completed', 'Product Viewed', 'Signed Up', 'Feature Used', 'Page Scrolled', 'Checkout Started'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zêta', 'theta', 'kappa', 'lambda', 'omega'];
const AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const BASE_TIME = Date.parse('2024-05-01T00:00:00Z');

export interface BenchTrack {
  userId: string;
  event: string;
  messageId: string;
  timestamp: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

export function benchEvent(run: string, i: number): BenchTrack {
  const words = Array.from({ length: 24 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
  return {
    userId: `user-${i % 50_000}`,
    event: NAMES[i % NAMES.length],
    messageId: `bench-${run}-${i}`,
    timestamp: new Date(BASE_TIME + i * 17).toISOString(),
    properties: {
      orderId: `order-${i}`,
      revenue: Math.round(((i * 37) % 50_000) / 7) / 100,
      currency: 'USD',
      quantity: (i % 9) + 1,
      sku: `SKU-${(i * 13) % 10_000}`,
      category: WORDS[i % WORDS.length],
      coupon: i % 5 === 0 ? 'SPRING24' : null,
      description: words,
      tags: ['bench', WORDS[i % WORDS.length], WORDS[(i + 3) % WORDS.length]],
    },
    context: {
      ip: `203.0.113.${i % 250}`,
      userAgent: AGENT,
      locale: 'fr-FR',
      page: { path: `/products/${i % 1000}`, url: `https://shop.example.com/products/${i % 1000}?ref=bench`, title: 'Product page' },
    },
  };
}
