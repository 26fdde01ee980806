/**
 * The HTTP client a connector gets from its context. The host builds it with the installation's
 * credentials already applied (auth is declared once and applied once), a timeout, and the
 * run's abort signal; the testing kit builds it over a capturing fetch with the network off.
 */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Absolute URL, or a path resolved against the client's `baseUrl`. */
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialized as JSON with `Content-Type: application/json`. */
  json?: unknown;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  url: string;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  fetch: FetchLike;
  baseUrl?: string;
  /** Applied to every request, e.g. the credential's Authorization header. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  signal?: AbortSignal;
  defaultTimeoutMs?: number;
}

export function buildUrl(url: string, baseUrl?: string, query?: HttpRequest['query']): string {
  const target = baseUrl ? new URL(url, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : new URL(url);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) target.searchParams.set(key, String(value));
  }
  return target.toString();
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return {
    async request(req) {
      const headers: Record<string, string> = { ...(await options.headers?.()), ...req.headers };
      let body: string | Uint8Array | undefined = req.body;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['content-type'] ??= 'application/json';
      }
      const timeout = AbortSignal.timeout(req.timeoutMs ?? options.defaultTimeoutMs ?? 30_000);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const res = await options.fetch(buildUrl(req.url, options.baseUrl, req.query), {
        method: req.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body: body as RequestInit['body'],
        signal,
        // A connector never follows redirects blindly: a 3xx is an answer to look at.
        redirect: 'manual',
      });
      return {
        status: res.status,
        ok: res.ok,
        headers: res.headers,
        url: res.url,
        text: () => res.text(),
        json: <T>() => res.json() as Promise<T>,
      };
    },
  };
}
