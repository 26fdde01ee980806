import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_MODEL_SETTINGS, type ModelSettings } from '../model-settings';
import { LOCK_WORKSPACE, LOCK_WORKSPACE_EVENTS } from '../drain/stage-batch.sql';

const SELECT = `SELECT account_name_trait AS "accountNameTrait", user_email_trait AS "userEmailTrait",
  account_id_property AS "accountIdProperty", page_events AS "pageEvents"`;

@Injectable()
export class ModelSettingsService {
  private readonly logger = new Logger('ModelSettings');

  constructor(private readonly dataSource: DataSource) {}

  async get(workspaceId: string): Promise<ModelSettings> {
    const [row] = (await this.dataSource.query(`${SELECT} FROM profile_settings WHERE workspace_id = $1`, [workspaceId])) as ModelSettings[];
    return row ?? { ...DEFAULT_MODEL_SETTINGS };
  }

  /**
   * Saves the settings; the drain reads them at every batch. A new name or email trait is also
   * applied to the stored accounts and users at once (their traits are all kept), so lists and
   * search agree with the setting; the other settings apply to events drained from now on.
   */
  async put(workspaceId: string, settings: ModelSettings): Promise<ModelSettings> {
    return this.dataSource.transaction(async (tx) => {
      // Serialized with the workspace's drain batches (both parts, in the drain's lock order), so
      // none names profiles with the old trait after the recompute below.
      await tx.query(LOCK_WORKSPACE, [workspaceId]);
      await tx.query(LOCK_WORKSPACE_EVENTS, [workspaceId]);
      const [before] = (await tx.query(`${SELECT} FROM profile_settings WHERE workspace_id = $1 FOR UPDATE`, [workspaceId])) as ModelSettings[];
      const previous = before ?? DEFAULT_MODEL_SETTINGS;
      const [saved] = (await tx.query(
        `INSERT INTO profile_settings (workspace_id, account_name_trait, user_email_trait, account_id_property, page_events)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workspace_id) DO UPDATE SET account_name_trait = EXCLUDED.account_name_trait,
           user_email_trait = EXCLUDED.user_email_trait, account_id_property = EXCLUDED.account_id_property,
           page_events = EXCLUDED.page_events, updated_at = now()
         RETURNING account_name_trait AS "accountNameTrait", user_email_trait AS "userEmailTrait",
           account_id_property AS "accountIdProperty", page_events AS "pageEvents"`,
        [workspaceId, settings.accountNameTrait, settings.userEmailTrait, settings.accountIdProperty, settings.pageEvents],
      )) as ModelSettings[];
      if (previous.accountNameTrait !== saved.accountNameTrait) {
        await tx.query(
          `UPDATE profile_accounts SET name = traits ->> $2::text, updated_at = now()
           WHERE workspace_id = $1 AND name IS DISTINCT FROM traits ->> $2::text`,
          [workspaceId, saved.accountNameTrait],
        );
      }
      if (previous.userEmailTrait !== saved.userEmailTrait) {
        await tx.query(
          `UPDATE profile_users SET email = traits ->> $2::text, updated_at = now()
           WHERE workspace_id = $1 AND email IS DISTINCT FROM traits ->> $2::text`,
          [workspaceId, saved.userEmailTrait],
        );
      }
      this.logger.log({ msg: 'model settings saved', workspaceId, ...saved });
      return saved;
    });
  }
}
