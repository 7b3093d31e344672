import { defineConfig } from 'vite';

// Built by scripts/build-web.mjs (`npm run build`), which gives each build its own folder and
// points dist/web at it; the relay serves dist/web at `/` (src/transports/rest/root-route.ts).
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // Small enough to inline nothing: every asset is a file with a hashed name.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
