import { SEGMENT_TYPES } from '@hub/event-model';
import { z } from 'zod';

const limit = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return 50;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      ctx.addIssue({ code: 'custom', message: 'must be an integer from 1 to 500' });
      return z.NEVER;
    }
    return n;
  });
const text = (max: number) => z.string({ error: 'must be given once, as text' }).max(max, `must be at most ${max} characters`);
const page = { limit, cursor: text(4000).optional() };
const uuid = z.uuid({ error: 'must be a UUID' });
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time such as 2025-01-31T12:00:00Z' });

export const accountsQuery = z.object({ ...page, q: text(200).optional() }).strict();
export const usersQuery = z.object({ ...page, q: text(200).optional(), accountId: uuid.optional() }).strict();
export const eventsQuery = z
  .object({
    ...page,
    type: z.enum(SEGMENT_TYPES, { error: `must be one of ${SEGMENT_TYPES.join(', ')}` }).optional(),
    event: text(1000).optional(),
    userId: text(1000).optional(),
    accountId: uuid.optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
  })
  .strict();
export const catalogTraitsQuery = z
  .object({ ...page, entity: z.enum(['user', 'account'], { error: 'must be user or account' }).optional() })
  .strict();
export const catalogEventsQuery = z.object({ ...page }).strict();
export const catalogEventBody = z.object({ status: z.enum(['tracked', 'ignored'], { error: 'must be tracked or ignored' }) }).strict();

export type AccountsQuery = z.output<typeof accountsQuery>;
export type UsersQuery = z.output<typeof usersQuery>;
export type EventsQuery = z.output<typeof eventsQuery>;
export type CatalogTraitsQuery = z.output<typeof catalogTraitsQuery>;
export type CatalogEventsQuery = z.output<typeof catalogEventsQuery>;
