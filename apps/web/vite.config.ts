import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * berthd serves dist/ at `/` under a CSP without inline script, inline style or eval
 * (apps/server/src/http/dashboard.ts): so every script and stylesheet is a file under
 * /assets/ (hashed, cached for a year), and nothing is inlined as a data: URI.
 */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    sourcemap: false,
    // One entry chunk: the preload polyfill would only add bytes.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev -w apps/web` against a local berthd (`berth up`'s API port).
    proxy: { '/api': 'http://127.0.0.1:7070' },
  },
});
