/**
 * A measurement, not a lever (`lever: no emitter binding` in configs.ts): preloaded before the
 * bootstrap, it makes context.bind() leave event emitters as they are. The http instrumentation
 * binds every request and response to the request's context, so that a listener added to either
 * runs in it; without that, a listener runs in whatever context emits the event, and a request
 * body's listeners lose the trace. What the services save shows what that binding costs.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

// The one copy of @opentelemetry/api the services load, found from a package that depends on it.
const api = createRequire(require.resolve('@demo/service-kit'))('@opentelemetry/api') as { context: object };
type Bind = (this: unknown, context: unknown, target: unknown) => unknown;
const contextApi = Object.getPrototypeOf(api.context) as { bind: Bind };
const bind = contextApi.bind;
contextApi.bind = function bindFunctionsOnly(context, target) {
  return target instanceof EventEmitter ? target : bind.call(this, context, target);
};
