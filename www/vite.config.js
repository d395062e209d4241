// Builds the console to plain static files in dist/ (index.html + hashed
// assets), which nginx or Apache serve; no Node server at run time.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  root: 'src',
  base: '/',
  publicDir: false,
  plugins: [vue()],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: {
          vendor: ['vue', 'vue-router'],
          'element-plus': ['element-plus'],
        },
      },
    },
  },
  server: {
    // `npm run dev` during development: the API of the ./dev stack
    proxy: { '/api': 'http://127.0.0.1:18080' },
  },
})
