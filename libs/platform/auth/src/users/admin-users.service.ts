import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AdminUserEntity, type PageQuery } from '@hub/persistence';
import type { Repository } from 'typeorm';
import { AuthErrors } from '../auth.exception';
import { isUniqueViolation } from '../ids';
import { hashPassword, needsRehash, prepareDummyHash, verifyDummyPassword, verifyPassword } from '../password/password-hasher';
import { pageOf } from '../paging';

export interface AdminUserView {
  id: string;
  email: string;
  isInstanceAdmin: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export function adminUserView(user: AdminUserEntity): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    isInstanceAdmin: user.isInstanceAdmin,
    createdAt: user.createdAt.toISOString(),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}

export interface NewAdminUser {
  email: string;
  password: string;
  isInstanceAdmin?: boolean;
}

// Fixed key of the transaction-scoped advisory lock that serializes first-admin creation across
// replicas (the migration lock uses ...001).
export const BOOTSTRAP_LOCK_KEY = 7_406_113_002;

/** People who operate the hub. Emails are unique case-insensitively (index on lower(email)). */
@Injectable()
export class AdminUsersService implements OnModuleInit {
  constructor(@InjectRepository(AdminUserEntity) private readonly users: Repository<AdminUserEntity>) {}

  onModuleInit(): void {
    // So the first login with an unknown email is not slower than the ones after it.
    void prepareDummyHash();
  }

  async create(input: NewAdminUser): Promise<AdminUserEntity> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.users.save(
        this.users.create({ email: input.email.trim(), passwordHash, isInstanceAdmin: input.isInstanceAdmin ?? false }),
      );
    } catch (err) {
      if (isUniqueViolation(err, 'admin_users_email_key')) throw AuthErrors.emailTaken();
      throw err;
    }
  }

  findByEmail(email: string): Promise<AdminUserEntity | null> {
    return this.users.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: email.trim() }).getOne();
  }

  findById(id: string): Promise<AdminUserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * The user when the password is right, otherwise null. An unknown email costs the same scrypt
   * work as a known one, so timing does not reveal which emails exist.
   */
  async verifyCredentials(email: string, password: string): Promise<AdminUserEntity | null> {
    const user = await this.findByEmail(email);
    if (!user) {
      await verifyDummyPassword(password);
      return null;
    }
    if (!(await verifyPassword(password, user.passwordHash))) return null;
    const changes: Partial<AdminUserEntity> = { lastLoginAt: new Date() };
    // Upgrade hashes made with older, cheaper parameters while the clear password is at hand.
    if (needsRehash(user.passwordHash)) changes.passwordHash = await hashPassword(password);
    await this.users.update({ id: user.id }, changes);
    return { ...user, ...changes };
  }

  hasAnyUser(): Promise<boolean> {
    return this.users.exists();
  }

  /** False when the current password is wrong; the new one is hashed with today's parameters. */
  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<boolean> {
    const user = await this.findById(userId);
    if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) return false;
    await this.users.update({ id: userId }, { passwordHash: await hashPassword(newPassword) });
    return true;
  }

  async list(page: PageQuery): Promise<{ items: AdminUserView[]; nextCursor: string | null }> {
    const qb = this.users.createQueryBuilder('u');
    return pageOf(qb, 'u', page, adminUserView);
  }

  /**
   * Creates the first admin (an instance admin) when no admin exists at all; does nothing
   * otherwise, so an already-set-up hub never has its admin changed by the environment.
   * Race-safe across replicas: a transaction-scoped advisory lock serializes the check and insert.
   */
  async bootstrapFirstAdmin(email: string, password: string): Promise<{ created: boolean; user: AdminUserEntity | null }> {
    // Fast path on every boot after the first: no hashing, no lock.
    if (await this.users.exists()) return { created: false, user: null };
    const passwordHash = await hashPassword(password);
    return this.users.manager.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      const [{ exists }] = (await tx.query('SELECT EXISTS (SELECT 1 FROM admin_users) AS exists')) as { exists: boolean }[];
      if (exists) return { created: false, user: null };
      const user = await tx.save(tx.create(AdminUserEntity, { email: email.trim(), passwordHash, isInstanceAdmin: true }));
      return { created: true, user };
    });
  }
}
