export const AUTH_TYPES = ['none', 'apiKey', 'oauth2'] as const;
export const CATEGORIES = ['source', 'destination', 'enrichment', 'warehouse', 'utility'] as const;

export interface ConnectorGeneratorSchema {
  name: string;
  auth?: (typeof AUTH_TYPES)[number];
  category?: (typeof CATEGORIES)[number];
  description?: string;
}
