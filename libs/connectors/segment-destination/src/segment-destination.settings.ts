import { connectorKit } from '@hub/sdk';
import { z } from 'zod';

/**
 * Nothing to configure: the hub issues the keys (and, on request, the Webhooks shared secret)
 * itself, and the projection's choices (account name trait, page events) are workspace model
 * settings, shared by every source.
 */
export const settings = z.object({}).strict();

export type Settings = z.output<typeof settings>;

export const { inbound } = connectorKit(settings);
