import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AuthErrors } from '../auth.exception';
import { AdminUsersService } from '../users/admin-users.service';

export const LOCAL_STRATEGY = 'hub-local';

export interface LoggedInUser {
  id: string;
  email: string;
}

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, LOCAL_STRATEGY) {
  constructor(private readonly users: AdminUsersService) {
    super({ usernameField: 'email', passwordField: 'password', session: false });
  }

  /**
   * Wrong password and unknown email throw the very same error (same status and body). Only the
   * id and email go on the request, never the password hash.
   */
  async validate(email: string, password: string): Promise<LoggedInUser> {
    const user = await this.users.verifyCredentials(email, password);
    if (!user) throw AuthErrors.invalidCredentials();
    return { id: user.id, email: user.email };
  }
}
