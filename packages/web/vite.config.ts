/** Vite build of the dashboard: static files the gateway serves at `/` (CSP script-src 'self'). @module */
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, modulePreload: { polyfill: false } },
})
