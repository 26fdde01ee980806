import { errorForHttpStatus, field, parseRetryAfter } from '@hub/sdk';
import { z } from 'zod';
import { action, apiUrl, authHeaders } from '../segment-source.settings';

export const sendPing = action({
  title: 'Send ping',
  description: 'Sends a message to Segment Source, optionally about one user.',
  input: z.object({
    message: field(z.string().min(1).max(1000), { title: 'Message', description: 'Text of the ping.' }),
    userId: field(z.string().min(1), { title: 'User id', description: 'The user the ping is about.' }).optional(),
  }),

  async perform(ctx, input) {
    const res = await ctx.http.request({
      method: 'POST',
      url: apiUrl(ctx.settings, 'v1/pings'),
      headers: authHeaders(ctx.settings),
      json: { message: input.message, user_id: input.userId },
    });
    if (!res.ok) {
      const detail = (await res.text()).slice(0, 300);
      throw errorForHttpStatus(
        res.status,
        `Segment Source refused the ping (HTTP ${res.status}): ${detail}`,
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    return res.json<{ id: string }>();
  },
});
