import { Injectable, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Validates a body (or query) with a zod schema. Schemas used for bodies are `.strict()`, so an
 * unknown field is a 400 naming it, as API.md requires.
 */
@Injectable()
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    private readonly what = 'Request body',
  ) {}

  transform(value: unknown): z.output<T> {
    const parsed = this.schema.safeParse(value ?? {});
    if (!parsed.success) {
      throw ApiError.validation(
        parsed.error.issues.map((issue) => ({
          path: issue.path.map(String).join('.'),
          message: issue.message,
        })),
        this.what,
      );
    }
    return parsed.data;
  }
}

export const zodBody = <T extends z.ZodType>(schema: T) => new ZodPipe(schema, 'Request body');
export const zodQuery = <T extends z.ZodType>(schema: T) => new ZodPipe(schema, 'Query');
