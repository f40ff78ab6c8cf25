import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { theme } from './lib/theme/theme.svelte.ts';

// The remembered light/dark choice goes on <html> before anything is drawn, so a dark page
// never flashes light first (the CSP refuses an inline script in index.html for this).
theme.restore();

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(App, { target });
