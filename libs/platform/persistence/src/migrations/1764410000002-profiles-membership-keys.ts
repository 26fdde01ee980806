import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Memberships without foreign keys to users and accounts (measured with
 * tools/bench/ingest-drain.ts): each new membership fired two referential checks, each an SPI
 * query that also locked the user's and the account's row (a WAL record and a dirtied page per
 * check), about 40 % of the drain's membership statement. The drain is the only writer of
 * memberships and of profile deletions (a merged anonymous profile's memberships are moved to the
 * user, then deleted with it, in the same transaction); accounts are never deleted but with their
 * workspace, whose key memberships keep (ON DELETE CASCADE).
 */
export class ProfilesMembershipKeys1764410000002 implements MigrationInterface {
  name = 'ProfilesMembershipKeys1764410000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE profile_memberships DROP CONSTRAINT profile_memberships_user_profile_id_fkey`);
    await q.query(`ALTER TABLE profile_memberships DROP CONSTRAINT profile_memberships_account_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM profile_memberships m WHERE NOT EXISTS (SELECT 1 FROM profile_users u WHERE u.id = m.user_profile_id)
                   OR NOT EXISTS (SELECT 1 FROM profile_accounts a WHERE a.id = m.account_id)`);
    await q.query(`ALTER TABLE profile_memberships ADD CONSTRAINT profile_memberships_user_profile_id_fkey
                   FOREIGN KEY (user_profile_id) REFERENCES profile_users(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE profile_memberships ADD CONSTRAINT profile_memberships_account_id_fkey
                   FOREIGN KEY (account_id) REFERENCES profile_accounts(id) ON DELETE CASCADE`);
  }
}
