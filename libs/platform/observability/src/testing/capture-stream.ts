import { Writable } from 'node:stream';

/** A pino destination that keeps every line, parsed, for assertions. */
export class CaptureStream extends Writable {
  readonly raw: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.raw.push(...chunk.toString().split('\n').filter(Boolean));
    callback();
  }

  get lines(): Record<string, unknown>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get text(): string {
    return this.raw.join('\n');
  }

  clear(): void {
    this.raw.length = 0;
  }
}
