import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Built to static files that the gateway serves at `/`; `npm run dev` proxies nothing: point
// VITE_GATEWAY_URL at a running gateway (its CORS_ORIGINS allows any origin by default).
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
