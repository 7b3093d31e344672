import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CLIENT_CONTRACT_PATH, renderClientContract } from './client-contract.js';
import { typeOfJsonSchema } from './json-schema-type.js';

describe('the client contract', () => {
  it('is committed as the command table renders it (run npm run build after changing a schema)', () => {
    const committed = readFileSync(new URL(`../../../${CLIENT_CONTRACT_PATH}`, import.meta.url), 'utf8');
    expect(committed).toBe(renderClientContract());
  });

  it('turns JSON Schema into TypeScript types', () => {
    expect(typeOfJsonSchema({ type: 'object', properties: { id: { type: 'integer' }, name: { type: ['string', 'null'] } }, required: ['id'] })).toBe(
      '{\n  id: number;\n  name?: string | null;\n}',
    );
    expect(typeOfJsonSchema({ anyOf: [{ const: 'a' }, { enum: ['b', 'c'] }] })).toBe('"a" | ("b" | "c")');
    expect(typeOfJsonSchema({ type: 'array', items: { type: 'boolean' } })).toBe('Array<boolean>');
    expect(typeOfJsonSchema({ type: 'object', additionalProperties: { type: 'number' } })).toBe('{\n  [key: string]: number;\n}');
    expect(typeOfJsonSchema({})).toBe('unknown');
  });
});
