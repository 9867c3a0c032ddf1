// Copies the world atlas into public/ so the map fetches it instead of bundling it.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
mkdirSync(new URL('../public/', import.meta.url), { recursive: true });
copyFileSync(require.resolve('world-atlas/countries-110m.json'), new URL('../public/countries-110m.json', import.meta.url));
