import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { zodBody } from '@hub/http';
import { AuthErrors } from '../auth.exception';
import { loginBody } from '../auth.schemas';
import { LOCAL_STRATEGY } from './local.strategy';

/**
 * Validates the login body before passport-local sees it. Guards run before pipes, so a
 * `@Body(zodBody(...))` pipe would come too late: passport-local would already have answered a
 * missing field with 401 "Missing credentials". Listed first in @UseGuards, this guard turns a
 * malformed body into 400 VALIDATION_FAILED and hands passport-local the parsed, strict body.
 */
@Injectable()
export class LoginBodyGuard implements CanActivate {
  private readonly pipe = zodBody(loginBody);

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    req.body = this.pipe.transform(req.body);
    return true;
  }
}

/** passport-local on `{email, password}`; any failure is the one INVALID_CREDENTIALS 401. */
@Injectable()
export class LocalAuthGuard extends AuthGuard(LOCAL_STRATEGY) {
  override handleRequest<T>(err: unknown, user: T | false): T {
    if (err) throw err;
    if (!user) throw AuthErrors.invalidCredentials();
    return user;
  }
}
