import { createApp, markRaw } from 'vue';
import App from './App.vue';
import { start } from './flowcast.js';
import { LiveFeed } from './store/live-feed.js';
import './style.css';

try {
  const { client, config } = await start();
  // Class instances with private fields must never be wrapped in reactive proxies.
  createApp(App, { client: markRaw(client), config, feed: markRaw(new LiveFeed(client)) }).mount('#app');
} catch (error) {
  const app = document.querySelector('#app');
  if (app !== null) {
    app.innerHTML = '<main class="fatal"><h1>Flowcast</h1><p></p></main>';
    app.querySelector('p')!.textContent = `Cannot start the dashboard: ${error instanceof Error ? error.message : String(error)}`;
  }
}
