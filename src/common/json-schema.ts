import { z } from 'zod';

/** A zod schema as JSON Schema (what it accepts, or what it produces), without `$schema`, for the API documents and the client contract. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, target, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
