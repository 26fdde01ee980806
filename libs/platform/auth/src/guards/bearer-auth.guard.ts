import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { AuthErrors } from '../auth.exception';
import { IS_PUBLIC, type Principal } from '../principal';
import { BEARER_STRATEGY } from './bearer.strategy';

/** What passport-http-bearer is shown of a request: the Authorization header and nothing else. */
interface HeaderOnlyRequest {
  headers: { authorization?: string };
  user?: Principal;
}

/**
 * The global guard (APP_GUARD): every route needs `Authorization: Bearer <token>` unless it is
 * marked @Public(). Failures answer 401 in the API error shape, never passport's text body.
 *
 * passport-http-bearer would also take a token from `?access_token=` or a body field; tokens in
 * URLs end up in logs and proxies, so the strategy only ever sees the Authorization header.
 */
@Injectable()
export class BearerAuthGuard extends AuthGuard(BEARER_STRATEGY) {
  private readonly views = new WeakMap<Request, HeaderOnlyRequest>();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Fail closed: the admin app serves HTTP only; anything else has no bearer header to check.
    if (context.getType() !== 'http') return false;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    req.user = this.getRequest(context).user;
    return true;
  }

  override getRequest(context: ExecutionContext): HeaderOnlyRequest {
    const req = context.switchToHttp().getRequest<Request>();
    let view = this.views.get(req);
    if (!view) {
      view = { headers: { authorization: req.headers.authorization } };
      this.views.set(req, view);
    }
    return view;
  }

  override handleRequest<T = Principal>(err: unknown, user: T | false, _info: unknown, context: ExecutionContext): T {
    // A database outage is not a bad token: let the filter answer 503.
    if (err) throw err;
    if (!user) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="hub"');
      throw AuthErrors.unauthenticated();
    }
    return user;
  }
}
