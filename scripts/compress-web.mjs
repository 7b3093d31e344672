#!/usr/bin/env node
// Writes a .br and a .gz beside each script and style of the built web UI, so that the relay
// (@fastify/static with preCompressed) sends them compressed without compressing per request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist/web/assets';
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|svg|json|map)$/.test(name)) continue;
  const content = readFileSync(join(dir, name));
  writeFileSync(join(dir, `${name}.gz`), gzipSync(content, { level: 9 }));
  writeFileSync(join(dir, `${name}.br`), brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}
