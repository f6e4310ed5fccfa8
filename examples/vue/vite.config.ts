// Vite + Vue 3: without `isCustomElement` Vue tries to resolve <realtime-voice> as a Vue
// component and warns "Failed to resolve component".
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [
    vue({
      template: {
        compilerOptions: {
          isCustomElement: (tag) => tag === 'realtime-voice',
        },
      },
    }),
  ],
});
