/**
 * Makes JSON text acceptable to Postgres `jsonb`, which refuses two things JavaScript strings may
 * hold: U+0000 (`\u0000`) and lone UTF-16 surrogates (`JSON.stringify` escapes them as `\udXXX`;
 * paired surrogates come out as raw characters, so any surrogate escape it emits is lone). Both
 * become U+FFFD, so one such character costs one character, not the whole request (a jsonb error
 * would fail the insert and the sender would retry it forever).
 */
const ESCAPES = /(\\+)u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})/g;

export function toPostgresJson(text: string): string {
  if (!text.includes('\\u')) return text;
  // An even run of backslashes is escaped backslashes followed by literal "u....": data, not an escape.
  return text.replace(ESCAPES, (match: string, slashes: string) => (slashes.length % 2 === 1 ? `${slashes}ufffd` : match));
}
