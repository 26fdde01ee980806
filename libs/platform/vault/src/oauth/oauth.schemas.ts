import { z } from 'zod';

/** `POST /oauth/:provider/start`. `loginUrl`: Salesforce sandboxes and My Domain (an https origin). */
export const startOAuthBody = z.strictObject({
  label: z.string().trim().min(1).max(200).optional(),
  installationId: z.uuid().optional(),
  loginUrl: z.url({ protocol: /^https$/ }).max(255).optional(),
});
export type StartOAuthBody = z.infer<typeof startOAuthBody>;
