import { z } from 'zod';

/** How a workspace's messages become profiles (API.md `model-settings`). */
export interface ModelSettings {
  /** Group trait that names an account. */
  accountNameTrait: string;
  /** Identify trait that holds a user's email. */
  userEmailTrait: string;
  /** Track property naming the account (its groupId) when `context.groupId` is absent; null: off. */
  accountIdProperty: string | null;
  /** Whether page calls are stored as page views. */
  pageEvents: boolean;
}

export const DEFAULT_MODEL_SETTINGS: ModelSettings = Object.freeze({
  accountNameTrait: 'name',
  userEmailTrait: 'email',
  accountIdProperty: null,
  pageEvents: false,
});

const key = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** PUT body: every field, as a form sends it back. */
export const modelSettingsBody = z
  .object({
    accountNameTrait: key,
    userEmailTrait: key,
    accountIdProperty: key.nullable(),
    pageEvents: z.boolean({ error: 'must be true or false' }),
  })
  .strict();
