/**
 * The CommonJS entry, for a service compiled to CommonJS:
 *
 *   node --require @demo/telemetry/register dist/server.js
 *
 * It must run before the app's first `require('http')` or `require('express')`, so that the
 * instrumentations can patch them. App code never imports this file. An ES module needs the
 * `--import` entry (register-esm.mts): `--require` hooks only require(), and the self-check says so.
 */
import { startFromEnvironment } from './start';

startFromEnvironment('require');
