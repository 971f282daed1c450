/**
 * The bootstrap's check of itself. Once the app has loaded, it asks, for each module a bundled
 * instrumentation patches: did the app load it, and did the instrumentation patch it? A module
 * loaded but not patched is the silent failure of OpenTelemetry in Node (an ES module started with
 * --require, a module loaded before the bootstrap, a bundle): the app runs, and its traces miss
 * spans. Each such module gets one warning line: what is lost, the likely cause, and the fix.
 *
 * What the app loads is seen by a resolve hook (module.registerHooks: it sees require() and import
 * alike) that only notes the watched names, at load time; the request path is never touched.
 */
import { channel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { Instrumentation, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';

export type Entry = 'require' | 'import';

/** This package's name as its package.json gives it (the one beside dist/ or src/): a copy renamed names itself. */
export const PACKAGE_NAME: string = readPackageName(join(__dirname, '..', 'package.json'));

function readPackageName(manifest: string): string {
  try {
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
    return typeof name === 'string' ? name : 'the telemetry bootstrap';
  } catch {
    return 'the telemetry bootstrap';
  }
}

/** A module the self-check watches, by the instrumentation that patches it. */
export interface WatchedModule {
  /** Its OTEL_NODE_ENABLED_INSTRUMENTATIONS name. */
  instrumentation: string;
  /** The module as the warning names it. */
  label: string;
  /** The package or built-in names that count as loading it (`node:` prefixes are dropped). */
  specifiers: readonly string[];
  /** What a trace misses while it is not patched. */
  lost: string;
}

export const WATCHED_MODULES: readonly WatchedModule[] = [
  {
    instrumentation: 'http',
    label: 'http',
    specifiers: ['http', 'https'],
    lost: 'no SERVER or CLIENT spans for HTTP, and no traceparent on outgoing requests',
  },
  {
    instrumentation: 'express',
    label: 'express',
    specifiers: ['express'],
    lost: 'SERVER spans have no http.route and are named by method alone',
  },
  {
    instrumentation: 'grpc',
    label: '@grpc/grpc-js',
    specifiers: ['@grpc/grpc-js'],
    lost: 'no gRPC spans, and no trace context in the calls’ metadata',
  },
  {
    instrumentation: 'pino',
    label: 'pino',
    specifiers: ['pino'],
    lost: 'log lines carry no trace_id or span_id, and none is sent over OTLP',
  },
  {
    instrumentation: 'amqplib',
    label: 'amqplib',
    specifiers: ['amqplib'],
    lost: 'no PRODUCER or CONSUMER spans, and no trace context in the messages’ headers',
  },
  {
    instrumentation: 'undici',
    label: 'fetch',
    specifiers: [],
    lost: 'fetch() makes no CLIENT span and sends no traceparent, so the trace breaks at that hop',
  },
];

/** How the app came to have a module: through the module loader, or inside its own bundle. */
type Presence = 'loaded' | 'bundled' | 'absent';

/** What the self-check reads about the process, once the app has loaded. */
export interface ProcessView {
  entry: Entry;
  /** The app's main script, as started (process.argv[1]). */
  mainPath: string | undefined;
  /** Names the loader resolved after the bootstrap started (watched ones only). */
  resolved: ReadonlySet<string>;
  /**
   * The files in require's cache before the bootstrap loaded anything: what was loaded ahead of it
   * (a CommonJS package lands there however it is loaded). What the bootstrap itself loads, such
   * as grpc-js for its OTLP exporter, is neither here nor resolved by the app.
   */
  preloadedFiles: readonly string[];
  /** Has the process used fetch (Node loads its undici on the first call)? */
  fetchLoaded: boolean;
  /** Is anyone listening on undici's request channel (the undici instrumentation, when enabled)? */
  fetchObserved: boolean;
  /** The main script's text, for modules bundled into it. */
  mainSource: () => string;
  /** Is the main script an ES module (.mjs/.mts, or "type": "module" in its package.json)? */
  mainIsEsModule: boolean;
}

/** One warning line per watched module that the app has but no instrumentation patched. */
export function selfCheckWarnings(view: ProcessView, instrumentations: ReadonlyMap<string, Instrumentation>): string[] {
  return WATCHED_MODULES.flatMap((watched) => {
    const presence = presenceOf(watched, view);
    if (presence === 'absent') return [];
    const instrumentation = instrumentations.get(watched.instrumentation);
    if (instrumentation && isPatched(watched, instrumentation, view)) return [];
    const { cause, fix } = diagnose(watched, presence, instrumentation !== undefined, view);
    return [`${PACKAGE_NAME}: ${watched.label} is in use but not instrumented: ${watched.lost}. Likely cause: ${cause}. Fix: ${fix}.`];
  });
}

function presenceOf(watched: WatchedModule, view: ProcessView): Presence {
  if (watched.instrumentation === 'undici') return view.fetchLoaded ? 'loaded' : 'absent';
  if (watched.specifiers.some((name) => view.resolved.has(name))) return 'loaded';
  if (watched.specifiers.some((name) => view.preloadedFiles.some((file) => file.includes(`${sep}node_modules${sep}${name}${sep}`))))
    return 'loaded';
  const source = view.mainSource();
  // esbuild keeps each bundled file's path (…/node_modules/<name>/…) as the key of its wrapper.
  return watched.specifiers.some((name) => source.includes(`node_modules/${name}/`)) ? 'bundled' : 'absent';
}

function isPatched(watched: WatchedModule, instrumentation: Instrumentation, view: ProcessView): boolean {
  if (watched.instrumentation === 'undici') return view.fetchObserved;
  // InstrumentationBase sets moduleExports on the definitions it holds (its _modules) when it
  // patches one: on the module's, or, for an instrumentation that patches files inside the
  // package only (amqplib's), on those files'. getModuleDefinitions() cannot tell: it calls
  // init() again and returns fresh ones.
  const held = (instrumentation as Instrumentation & { _modules?: InstrumentationModuleDefinition[] })._modules ?? [];
  // One that hooks no module (the bootstrap's own http instrumentation, on Node's diagnostics
  // channels and the server prototypes) is in place from the moment it is enabled.
  if (held.length === 0) return true;
  return held.some(
    (definition) => definition.moduleExports !== undefined || definition.files.some((file) => file.moduleExports !== undefined),
  );
}

function diagnose(watched: WatchedModule, presence: Presence, enabled: boolean, view: ProcessView): { cause: string; fix: string } {
  const main = view.mainPath ? relative(process.cwd(), view.mainPath) : '<your app>';
  if (!enabled) {
    return {
      cause: `OTEL_NODE_ENABLED_INSTRUMENTATIONS or OTEL_NODE_DISABLED_INSTRUMENTATIONS leaves "${watched.instrumentation}" out`,
      fix: `add ${watched.instrumentation} to OTEL_NODE_ENABLED_INSTRUMENTATIONS (or unset it), and remove it from OTEL_NODE_DISABLED_INSTRUMENTATIONS`,
    };
  }
  if (presence === 'bundled') {
    return {
      cause: `${watched.label} is bundled inside ${main}, where no module hook can reach it`,
      fix: `keep it out of the bundle (esbuild: --external:${watched.specifiers[0]}) and ship it in node_modules; see docs/bootstrap.md`,
    };
  }
  if (view.entry === 'require' && view.mainIsEsModule) {
    return {
      cause: `${main} is an ES module, and --require hooks only require(), not import`,
      fix: `start it with node --import ${PACKAGE_NAME}/register ${main}`,
    };
  }
  return {
    cause: `${watched.label} was loaded before the bootstrap (another --require or --import ahead of it, or the bootstrap imported from app code)`,
    fix: `put the bootstrap first on the command line (node ${view.entry === 'import' ? '--import' : '--require'} ${PACKAGE_NAME}/register ${main}) and never import it from app code`,
  };
}

/** Is this script an ES module, as Node decides from its extension and its package.json? */
export function isEsModulePath(path: string): boolean {
  const extension = extname(path);
  if (extension === '.mjs' || extension === '.mts') return true;
  if (extension === '.cjs' || extension === '.cts') return false;
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    try {
      return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module';
    } catch {
      if (dirname(folder) === folder) return false;
    }
  }
}

/** The package or built-in name a specifier loads: node:http -> http, express/lib/x -> express, @a/b/c -> @a/b. */
export function moduleNameOf(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const parts = bare.split('/');
  return (bare.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** How long after start the check runs: by then a service has loaded its modules and listens. */
export const SELF_CHECK_DELAY_MS = 1_500;

/**
 * Watches what the app loads from now on, and checks once, SELF_CHECK_DELAY_MS after start (or at
 * exit, for a process that ends sooner). `warn` prints each line.
 */
export function scheduleSelfCheck(
  entry: Entry,
  preloadedFiles: readonly string[],
  instrumentations: ReadonlyMap<string, Instrumentation>,
  warn: (line: string) => void,
): void {
  const watchedNames = new Set(WATCHED_MODULES.flatMap((watched) => watched.specifiers));
  const resolved = new Set<string>();
  // Node before 22.15 has no registerHooks: no check there, rather than a wrong one.
  if (typeof registerHooks !== 'function') return;
  const hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      const name = moduleNameOf(specifier);
      if (watchedNames.has(name)) resolved.add(name);
      return nextResolve(specifier, context);
    },
  });
  let done = false;
  const check = () => {
    if (done) return;
    done = true;
    hooks.deregister();
    const mainPath = process.argv[1];
    const view: ProcessView = {
      entry,
      mainPath,
      resolved,
      preloadedFiles,
      fetchLoaded: (process as unknown as { moduleLoadList: string[] }).moduleLoadList.includes('NativeModule internal/deps/undici/undici'),
      fetchObserved: channel('undici:request:create').hasSubscribers,
      mainSource: () => readMain(mainPath),
      mainIsEsModule: mainPath !== undefined && isEsModulePath(mainPath),
    };
    for (const line of selfCheckWarnings(view, instrumentations)) warn(line);
  };
  setTimeout(check, SELF_CHECK_DELAY_MS).unref();
  process.once('exit', check);
}

function readMain(path: string | undefined): string {
  try {
    return path ? readFileSync(path, 'utf8') : '';
  } catch {
    return '';
  }
}
