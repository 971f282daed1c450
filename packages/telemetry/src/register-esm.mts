/**
 * The ES-module entry, for a service that is an ES module (or any service: it hooks require() too):
 *
 *   node --import @demo/telemetry/register dist/server.js
 *
 * The same package specifier as the CommonJS entry: `--import` resolves it through the "import"
 * condition of package.json's exports, `--require` through "require".
 *
 * ES modules are patched through import-in-the-middle's loader hook, the one the instrumentations'
 * base (@opentelemetry/instrumentation) registers its hooks with. On Node 26 it runs as a
 * synchronous, in-thread hook (module.registerHooks): module.register(), the off-thread loader that
 * @opentelemetry/instrumentation/hook.mjs is made for, is deprecated there (DEP0205, a warning at
 * every start). The hook wraps only the modules the enabled instrumentations patch (`include`):
 * wrapping every module costs start-up time and breaks some packages (import-in-the-middle's
 * limitations).
 */
import { register } from 'node:module';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { instrumentedModuleNames, startFromEnvironment } from './start.js';

const started = startFromEnvironment('import');
if (started) {
  const include = instrumentedModuleNames(started);
  if (supportsSyncHooks()) registerSyncHooks({ include });
  // Node before 22.22.3 / 24.11.1 / 25.1.0: the off-thread loader, given the same list.
  else register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include } });
}
