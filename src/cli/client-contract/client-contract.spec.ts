import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { CLIENT_CONTRACT_DIR, renderClientContract } from './client-contract.js';
import { typeOfJsonSchema } from './json-schema-type.js';
import { readFolder, writeChangedFiles } from './write-folder.js';

describe('the client contract', () => {
  it('is committed as the command table renders it, file for file (run npm run build after changing a schema)', () => {
    const committed = readFolder(fileURLToPath(new URL(`../../../${CLIENT_CONTRACT_DIR}`, import.meta.url)));
    const rendered = renderClientContract();
    expect(Object.keys(committed).sort()).toEqual(Object.keys(rendered).sort());
    for (const [name, content] of Object.entries(rendered)) expect({ name, content: committed[name] }).toEqual({ name, content });
  });

  it('has a file per module beside the index and the server events', () => {
    const names = Object.keys(renderClientContract());
    expect(names).toEqual(expect.arrayContaining(['index.ts', 'server-events.ts', 'cameras.ts', 'tokens.ts', 'users.ts']));
    expect(renderClientContract()['index.ts']).toContain("import { CAMERAS_COMMANDS, type CamerasCommands } from './cameras.js';");
  });

  it('writes only the files whose content changed, and removes the ones no longer generated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-contract-'));
    try {
      expect(writeChangedFiles(dir, { 'a.ts': 'a', 'b.ts': 'b' })).toEqual({ written: ['a.ts', 'b.ts'], removed: [] });
      writeFileSync(join(dir, 'stale.ts'), 'old');
      const before = statSync(join(dir, 'a.ts')).mtimeMs;
      expect(writeChangedFiles(dir, { 'a.ts': 'a', 'b.ts': 'b2' })).toEqual({ written: ['b.ts'], removed: ['stale.ts'] });
      expect(statSync(join(dir, 'a.ts')).mtimeMs).toBe(before);
      expect(readFileSync(join(dir, 'b.ts'), 'utf8')).toBe('b2');
      expect(Object.keys(readFolder(dir)).sort()).toEqual(['a.ts', 'b.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
