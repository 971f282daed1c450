/**
 * The recipe for a service bundled with esbuild (docs/bootstrap.md). The bootstrap patches modules
 * as they load from node_modules; code inside a bundle never loads, so no hook can reach it. A
 * bundle must therefore leave out the packages the bootstrap patches (built-ins, such as http,
 * stay outside any Node bundle anyway), and any package that reads files beside itself at run
 * time. The self-check warns about a patched package found inside the bundle.
 */
import { isBuiltin } from 'node:module';
import { WATCHED_MODULES } from './self-check';

/** The packages the bootstrap patches: a bundle must leave them to node_modules. */
export const INSTRUMENTED_PACKAGES: readonly string[] = WATCHED_MODULES.flatMap((watched) => watched.specifiers).filter(
  (name) => !isBuiltin(name),
);

/**
 * esbuild's options for one service: everything in one ES-module file but `INSTRUMENTED_PACKAGES`,
 * @opentelemetry/api (one copy, shared with the bootstrap, as everywhere in this project) and
 * `alsoExternal`. The banner gives the bundled CommonJS code a real require(): esbuild's ES
 * output has none, and bundled CommonJS code (axios's) requires `http` at run time.
 */
export function bundleOptions(entry: string, outfile: string, alsoExternal: readonly string[] = []) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node26',
    external: [...INSTRUMENTED_PACKAGES, '@opentelemetry/api', ...alsoExternal],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning' as const,
  };
}
