/** The product version, from package.json (bundled by electron-vite, read directly under tsx). */
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
