/** HUB_PUBLIC_URL without a trailing slash: the base of OAuth callbacks and of links to the admin UI. */
export class PublicUrl {
  readonly base: string;
  readonly secure: boolean;
  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
    this.secure = this.base.startsWith('https:');
  }
}
