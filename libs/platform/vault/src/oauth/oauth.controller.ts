import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Public, WorkspaceAccessService } from '@hub/auth';
import { zodBody } from '@hub/http';
import { startOAuthBody, type StartOAuthBody } from './oauth.schemas';
import { OAuthService } from './oauth.service';
import { PublicUrl } from './public-url';

interface CookieResponse {
  setHeader(name: string, value: string | string[]): void;
  redirect(status: number, url: string): void;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!/^hub_oauth_[0-9a-f]{32}$/.test(name)) continue;
    out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Starts a connection: needs 'write' in the workspace; answers the provider's authorize URL. */
@ApiTags('oauth')
@Controller('api/v1/workspaces/:ws/oauth')
export class OAuthStartController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly access: WorkspaceAccessService,
    private readonly publicUrl: PublicUrl,
  ) {}

  @Post(':provider/start')
  @HttpCode(200)
  async start(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('provider') provider: string,
    @Body(zodBody(startOAuthBody)) body: StartOAuthBody,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<{ authorizeUrl: string }> {
    // require() answers non-UUID, missing and foreign workspaces with the same 404.
    await this.access.require(p, ws, 'write');
    const started = await this.oauth.start(ws, p.userId, provider, body);
    const { name, value, maxAgeSeconds, path } = started.cookie;
    // Binds the flow to this admin's browser: the callback is a top-level GET, which SameSite=Lax allows.
    res.setHeader(
      'Set-Cookie',
      `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=${path}; HttpOnly; SameSite=Lax${this.publicUrl.secure ? '; Secure' : ''}`,
    );
    return { authorizeUrl: started.authorizeUrl };
  }
}

/** Where the provider sends the browser back. Public: the state and the binding cookie prove who it is. */
@ApiTags('oauth')
@Controller('oauth')
export class OAuthCallbackController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly publicUrl: PublicUrl,
  ) {}

  @Public()
  @Get(':provider/callback')
  async callback(
    @Param('provider') provider: string,
    @Query() query: Record<string, unknown>,
    @Headers('cookie') cookie: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<{ credentialId: string } | undefined> {
    const { credentialId } = await this.oauth.callback(provider, query, parseCookies(cookie));
    if (accept?.includes('application/json')) return { credentialId };
    res.redirect(302, `${this.publicUrl.base}/?connected=${encodeURIComponent(provider)}&credentialId=${credentialId}`);
    return undefined;
  }
}
