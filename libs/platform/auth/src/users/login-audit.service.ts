import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Logins in the audit log. The log is per workspace (owners read their own), while a login is
 * the user's: it is recorded once in every workspace the user belongs to, so each owner sees when
 * their members signed in. One statement; a user of no workspace leaves no event.
 */
@Injectable()
export class LoginAuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(userId: string, email: string, ip: string | undefined): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit_events (workspace_id, actor_user_id, action, target_type, target_id, details)
       SELECT workspace_id, $1::uuid, 'auth.login', 'user', $1::text, jsonb_build_object('email', $2::text, 'ip', $3::text)
         FROM workspace_members WHERE user_id = $1::uuid`,
      [userId, email, ip ?? null],
    );
  }
}
