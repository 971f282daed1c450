/**
 * Where a service's CPU goes, by owner: a V8 CPU profile (node --cpu-prof) folded so that each
 * sample counts for the package that owns the code it was running. Node's own frames (node:...,
 * and V8 builtins with no script) count for the package that called them, so a socket write made
 * by the OTLP exporter is the exporter's, and one made by express is express's.
 *
 * One exception: an outgoing HTTP request. The http instrumentation wraps http.request, so Node's
 * own client-request work (the ClientRequest, its headers, the agent's socket) runs under the
 * wrapper; by the rule above the untraced services would charge it to axios and the traced ones to
 * the instrumentation, which would then look far dearer than it is. It counts for the nearest
 * caller outside OpenTelemetry instead, in both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber?: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The .cpuprofile format node --cpu-prof writes (the DevTools protocol's Profile). */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, on the same monotonic clock as process.hrtime() in any process of the machine. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Owners by the profile's own pseudo-frames, and by Node's modules that are a cost of their own. */
const GC = 'garbage collection';
const NATIVE = 'V8 and native code, no JavaScript on the stack';
const NODE_CORE = 'Node core with no package above it (sockets, HTTP parsing, timers)';
const APP = "the app's own code (services/, service-kit, contracts)";
const BOOTSTRAP = 'the bootstrap (packages/telemetry)';
const HTTP_INSTRUMENTATION = "the bootstrap's http instrumentation";
const OTHER = 'other packages';
const CONTEXT = 'context propagation (AsyncLocalStorage)';
const OTLP = 'OTLP exporters, grpc-js, protobufjs, HTTP/2';

/** The owners that name no code: what the profile cannot say more about. */
export const UNATTRIBUTED: readonly string[] = [NATIVE, OTHER];

/** Owners by npm package: every package not named here counts as "other packages". */
const PACKAGE_OWNERS: Record<string, string> = {
  '@opentelemetry/instrumentation-http': 'instrumentation-http',
  '@opentelemetry/instrumentation-express': 'instrumentation-express',
  '@opentelemetry/instrumentation-pino': 'instrumentation-pino',
  '@opentelemetry/instrumentation-grpc': 'instrumentation-grpc',
  '@opentelemetry/instrumentation': 'instrumentation base (require hooks, wrapping)',
  'require-in-the-middle': 'instrumentation base (require hooks, wrapping)',
  'import-in-the-middle': 'instrumentation base (require hooks, wrapping)',
  shimmer: 'instrumentation base (require hooks, wrapping)',
  '@opentelemetry/sdk-trace': 'sdk-trace',
  '@opentelemetry/sdk-trace-base': 'sdk-trace',
  '@opentelemetry/sdk-trace-node': 'sdk-trace',
  '@opentelemetry/sdk-logs': 'sdk-logs',
  '@opentelemetry/api-logs': 'sdk-logs',
  '@opentelemetry/sdk-metrics': 'sdk-metrics',
  '@opentelemetry/context-async-hooks': 'context propagation (AsyncLocalStorage)',
  '@opentelemetry/api': 'OpenTelemetry api, core, resources',
  '@opentelemetry/core': 'OpenTelemetry api, core, resources',
  '@opentelemetry/resources': 'OpenTelemetry api, core, resources',
  '@opentelemetry/semantic-conventions': 'OpenTelemetry api, core, resources',
  '@opentelemetry/sdk-node': 'OpenTelemetry api, core, resources',
  '@opentelemetry/otlp-exporter-base': OTLP,
  '@opentelemetry/otlp-grpc-exporter-base': OTLP,
  '@opentelemetry/otlp-transformer': OTLP,
  '@grpc/grpc-js': OTLP,
  '@grpc/proto-loader': OTLP,
  protobufjs: OTLP,
  express: 'express',
  router: 'express',
  'body-parser': 'express',
  finalhandler: 'express',
  send: 'express',
  'serve-static': 'express',
  'path-to-regexp': 'express',
  'on-finished': 'express',
  'type-is': 'express',
  accepts: 'express',
  negotiator: 'express',
  'content-type': 'express',
  etag: 'express',
  fresh: 'express',
  'proxy-addr': 'express',
  parseurl: 'express',
  qs: 'express',
  debug: 'express',
  axios: 'axios',
  'follow-redirects': 'axios',
  'form-data': 'axios',
  'proxy-from-env': 'axios',
  pino: 'pino',
  'sonic-boom': 'pino',
  'pino-std-serializers': 'pino',
  '@pinojs/redact': 'pino',
  'fast-redact': 'pino',
  'quick-format-unescaped': 'pino',
  'safe-stable-stringify': 'pino',
  'thread-stream': 'pino',
};

/** Who owns one frame on its own, or undefined for a frame that counts for its caller. */
export function ownerOfFrame(frame: CallFrame): string | undefined {
  if (frame.functionName === '(garbage collector)') return GC;
  if (frame.functionName === '(program)') return NATIVE;
  const url = frame.url;
  if (/^node:(internal\/)?async_(hooks|local_storage|context_frame)/.test(url)) return CONTEXT;
  // Only the OTLP/gRPC exporters speak HTTP/2 in these services (but for the gRPC hop, not profiled):
  // node:http2's socket work runs from libuv callbacks, with no package above it.
  if (/^node:(internal\/)?http2/.test(url)) return OTLP;
  if (url === '' || url.startsWith('node:')) return undefined;
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const [first = '', second = ''] = url.slice(at + '/node_modules/'.length).split('/');
    const name = first.startsWith('@') ? `${first}/${second}` : first;
    return PACKAGE_OWNERS[name] ?? (name.startsWith('@opentelemetry/exporter-') ? OTLP : OTHER);
  }
  if (url.includes('/packages/telemetry/')) return url.includes('/http-instrumentation.') ? HTTP_INSTRUMENTATION : BOOTSTRAP;
  if (/\/(services|packages)\//.test(url)) return APP;
  return OTHER;
}

/**
 * Each owner's share of the samples taken between `fromUs` and `toUs` (profile clock), idle excluded.
 * Shares, not times: the profiler samples the main thread's wall time, which on a busy machine
 * includes the moments the kernel ran another process; /proc says how much CPU there was to share.
 */
export function foldByOwner(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): Record<string, number> {
  return fold(profile, fromUs, toUs, (owned) => owned.owner);
}

/** The same, by the function that owned each sample: "owner: function (file:line)". */
export function foldByFunction(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): Record<string, number> {
  return fold(profile, fromUs, toUs, (owned) => `${owned.owner}: ${owned.fn}`);
}

interface Owned {
  owner: string;
  /** The frame that made the owner: the sample's own, or the nearest caller with an owner. */
  fn: string;
}

function fold(profile: CpuProfile, fromUs: number, toUs: number, keyOf: (owned: Owned) => string): Record<string, number> {
  const owners = ownersOfNodes(profile);
  const folded: Record<string, number> = {};
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const owned = owners.get(id);
    if (at < fromUs || at > toUs || owned === undefined) return;
    const key = keyOf(owned);
    folded[key] = (folded[key] ?? 0) + delta;
  });
  const total = Object.values(folded).reduce((sum, us) => sum + us, 0);
  return Object.fromEntries(Object.entries(folded).map(([key, us]) => [key, us / total]));
}

/** Node's own start of an outgoing HTTP request: what the http instrumentation wraps. */
function isClientRequestStart(frame: CallFrame): boolean {
  return /^node:(https?|_http_client)$/.test(frame.url) && ['request', 'get', 'ClientRequest'].includes(frame.functionName);
}

/**
 * Each node's owner: its own, or its nearest owned ancestor's; (idle) and (root) own nothing. An
 * outgoing request's start, and what it calls, take the nearest owner outside OpenTelemetry.
 */
function ownersOfNodes(profile: CpuProfile): Map<number, Owned | undefined> {
  const owners = new Map<number, Owned | undefined>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const visit = (id: number, inherited: Owned, outsideOpenTelemetry: Owned) => {
    const node = byId.get(id);
    if (!node) return;
    const own = ownerOfFrame(node.callFrame);
    let owned = own === undefined ? inherited : { owner: own, fn: describeFrame(node.callFrame) };
    if (own === undefined && isClientRequestStart(node.callFrame)) owned = outsideOpenTelemetry;
    owners.set(id, ['(idle)', '(root)'].includes(node.callFrame.functionName) ? undefined : owned);
    const nextOutside = isOpenTelemetryOwner(owned.owner) ? outsideOpenTelemetry : owned;
    for (const child of node.children ?? []) visit(child, owned, nextOutside);
  };
  const root = profile.nodes[0];
  const noCaller = { owner: NODE_CORE, fn: '(no caller in a package)' };
  if (root) visit(root.id, noCaller, noCaller);
  return owners;
}

/** "name (file.js:line)", with the path cut after the package's folder. */
function describeFrame(frame: CallFrame & { lineNumber?: number }): string {
  if (!frame.url) return frame.functionName;
  const file = frame.url.replace(/^.*\/node_modules\/(@[^/]+\/)?[^/]+\//, '').replace(/^.*\/(services|packages)\//, '');
  return `${frame.functionName || '(anonymous)'} (${file}:${(frame.lineNumber ?? -1) + 1})`;
}

/** The owners that are OpenTelemetry's: the instrumentations, the SDKs, the exporters, context. */
export function isOpenTelemetryOwner(owner: string): boolean {
  return /^(instrumentation|sdk-|OTLP|context|OpenTelemetry)/.test(owner);
}

/** The one profile node --cpu-prof wrote into `dir` (the folder each service is given). */
export function readProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8')) as CpuProfile;
}

/** The monotonic clock the profiles use, in microseconds. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
