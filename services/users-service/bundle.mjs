// users-service as one esbuild bundle, by the bootstrap's recipe (docs/bootstrap.md): the packages
// the bootstrap patches stay in node_modules, and so does @demo/contracts, which reads its .proto
// beside itself. Run: pnpm --filter users-service bundle; start: node --import @demo/telemetry/register dist/bundle/server.mjs
import { bundleOptions } from '@demo/telemetry';
import { build } from 'esbuild';

await build(bundleOptions('src/server.ts', 'dist/bundle/server.mjs', ['@demo/contracts']));
