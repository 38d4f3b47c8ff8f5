/** Renderer entry: zod's CSP-safe mode, global styles, then the app. */
import './lib/zod-jitless';
import { mount } from 'svelte';
import App from './App.svelte';
import './styles/global.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

export default mount(App, { target });
