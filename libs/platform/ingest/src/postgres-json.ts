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

/** The version byte of jsonb's binary input format (`jsonb_recv`): the JSON text follows it. */
const JSONB_BINARY_VERSION = 1;

/**
 * A JSON array of `values` as a `jsonb` parameter in binary format: node-postgres sends a Buffer
 * as is, flagged binary, and Postgres reads it with `jsonb_recv` (a version byte, then the text,
 * parsed exactly as text input is). Each value is stringified and made jsonb-safe on its own
 * and written straight into the buffer, so a large array never exists as one JavaScript string:
 * that string would be built as a rope, flattened, then encoded to UTF-8 again by the driver,
 * each a full pass over half a megabyte or more.
 */
export function jsonbArrayParam(values: readonly unknown[]): Buffer {
  const parts = new Array<string>(values.length);
  let bytes = 3 + Math.max(0, values.length - 1); // version byte, brackets, commas
  for (let i = 0; i < values.length; i++) {
    const text = JSON.stringify(values[i]);
    if (text === undefined) throw new TypeError(`jsonbArrayParam: value ${i} cannot be encoded as JSON`);
    parts[i] = toPostgresJson(text);
    bytes += Buffer.byteLength(parts[i], 'utf8');
  }
  const buffer = Buffer.allocUnsafe(bytes);
  buffer[0] = JSONB_BINARY_VERSION;
  buffer[1] = 0x5b; // [
  let offset = 2;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) buffer[offset++] = 0x2c; // ,
    offset += buffer.write(parts[i], offset, 'utf8');
  }
  buffer[offset++] = 0x5d; // ]
  return buffer;
}
