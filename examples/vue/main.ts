// Mounting the Vue wrapper. With templates compiled in the browser (no build step) the option
// lives on the app instead of vite.config.ts: app.config.compilerOptions.isCustomElement.
import { createApp } from 'vue';
import SupportWidget from './SupportWidget.vue';

const lookupOrder = async (orderId: string) => (await fetch(`/api/orders/${encodeURIComponent(orderId)}`)).json();

createApp(SupportWidget, { tokenUrl: '/realtime/session', lookupOrder }).mount('#app');
