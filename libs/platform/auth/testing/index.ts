/**
 * `@hub/auth/testing`: auth doubles for other libraries' integration tests (the admin API's
 * modules without the real login and tokens). Never imported by application code, never built;
 * auth's own test helpers live in `../test`.
 */
export * from './header-auth.module';
