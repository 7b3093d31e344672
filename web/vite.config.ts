import { defineConfig } from 'vite';

// Run from web/ (`vite build web`): the page and its hashed assets go to dist/web, which the
// relay serves at `/` (src/transports/rest/root-route.ts).
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
