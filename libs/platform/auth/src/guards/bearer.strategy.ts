import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { Principal } from '../principal';
import { TokensService } from '../tokens/tokens.service';

/** Strategy names are namespaced: passport keeps one registry per process. */
export const BEARER_STRATEGY = 'hub-bearer';

@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly tokens: TokensService) {
    super();
  }

  /** The principal, or false for a junk, unknown, expired or revoked token (the guard answers 401). */
  async validate(token: string): Promise<Principal | false> {
    return (await this.tokens.authenticate(token)) ?? false;
  }
}
