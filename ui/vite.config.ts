import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The web chat: built into dist/ui, which the service serves at `/`. No CDN: every asset is local. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: '../dist/ui', emptyOutDir: true, sourcemap: true },
  // `npm run ui:dev` proxies the API to a server started with `npm start`.
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' } },
});
