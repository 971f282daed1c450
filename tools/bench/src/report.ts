import type { CpuAccount } from './cpu-account';
import { type PairedResult, pairedLine } from './paired';

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

/** The fixed rates, derived from the untraced services' saturation in the same run. */
export interface Rates {
  offSaturationRps: number;
  lower: number;
  higher: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The traced services' CPU by owner, from CPU profiles, against the untraced services': microseconds per request, three services summed. */
export interface Attribution {
  ratePerSec: number;
  /** From /proc: every thread of the three processes. */
  measured: { offUs: number; projectUs: number; addedUs: number };
  /** The added µs per request of the owners that name code (all but native code and other packages). */
  attributed: number;
  rows: { owner: string; offUs: number; projectUs: number; addedUs: number }[];
  /** Inside OpenTelemetry's packages: the functions that cost most, µs per request ("owner: function (file:line)"). */
  topOpenTelemetryFunctions: { fn: string; us: number }[];
}

export interface Results {
  date: string;
  machine: { cpus: number; node: string };
  settings: Record<string, unknown>;
  rates: Rates;
  configs: Record<string, { description: string; rounds: RoundResult[] }>;
  summary: Record<string, Summary>;
  /** Side by side: the A/A control, and project against off (the services' added CPU). */
  paired?: { aa: PairedResult; added: PairedResult };
  attribution?: Attribution;
  delivery?: {
    ratePerSec: number;
    requests: number;
    failedRequests: number;
    expectedSpans: number;
    accepted: number;
    sentToJaeger: number;
    collectorFailed: number;
    sdkDroppedLines: number;
  };
  timeToVisibleMs?: { p50: number; p95: number; samples: number };
  /** The two-tier pipeline (tail-sampling gateways) under the project's spans. */
  gatewayTier?: {
    gateways: number;
    spansPerSec: number;
    failedRequests: number;
    /** Percent of one core per 1000 spans/s: the agent Collector, all gateways together, Jaeger. */
    cpuPercentOfCorePer1000SpansPerSec: { agent: number; gateways: number; jaeger: number };
    peakRssMb: Record<string, number>;
  };
  productionSizeMb?: Record<string, number>;
  verdicts: Verdict[];
}

export interface RoundResult {
  saturationRps: number;
  lower: { p50Ms: number; p99Ms: number; distribution: Record<string, number> };
  higher: { p50Ms: number; p99Ms: number };
  /** Every process's CPU over the lower rate's phase. */
  cpu: CpuAccount;
  rssIdleMb: Record<string, number>;
  rssLoadMb: Record<string, number>;
  startupMs: Record<string, number>;
  failedRequests: number;
  /** The same, by load: a fixed rate above what the configuration carries fails by overload. */
  failedByLoad: { saturation: number; lower: number; higher: number };
  /** When requests failed: the first few reasons (load generator errors, services' error lines). */
  failureSamples: string[];
}

type Latency = { p50Ms: number; p99Ms: number; addedP50Ms: number; addedP99Ms: number };

export interface Summary {
  saturationRps: Spread;
  throughputVsOff: Spread;
  lower: Latency;
  higher: Latency;
  rssIdleMb: Record<string, number>;
  rssLoadMb: Record<string, number>;
  startupMs: Record<string, number>;
  cpu: {
    /** The three services together, µs per request. */
    servicesUsPerRequest: Spread;
    /** Less off's, round by round. */
    addedServicesUsPerRequest: Spread;
    /** Added, as a fraction of off's services, round by round. */
    addedFraction: Spread;
    pipelineUsPerRequest: Spread;
    /** The pipeline's µs per request as a fraction of off's services' in the same round. */
    pipelineFraction: Spread;
    spansPerRequest: number;
    usPerRequest: Record<string, number>;
    percentOfCorePer1000SpansPerSec: Record<string, number>;
  };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function markdown(results: Results): string {
  return [
    `Benchmark of ${results.date}: ${results.machine.cpus} cores, Node ${results.machine.node}; ${JSON.stringify(results.settings)}.`,
    '',
    `Fixed rates: ${results.rates.lower} and ${results.rates.higher} req/s, derived from the untraced services' saturation in this run (${results.rates.offSaturationRps} req/s).`,
    '',
    headline(results),
    '',
    configTable(results),
    '',
    cpuTable(results),
    '',
    ...(results.attribution ? [attributionTable(results.attribution), ''] : []),
    ...extraLines(results),
    '',
    ...results.verdicts.map((v) => `- ${v.pass ? 'PASS' : 'MISS'}: ${v.target}: ${v.measured}`),
    '',
  ].join('\n');
}

const range = (s: Spread, digits = 0) => `${fixed(s.median, digits)} (${fixed(s.min, digits)}-${fixed(s.max, digits)})`;

/** The two figures a user asks for first: what the bootstrap adds to a service, and what the backend costs. */
function headline(results: Results): string {
  const project = results.summary.project;
  if (!project) return '';
  const perComponent = Object.entries(project.cpu.percentOfCorePer1000SpansPerSec)
    .map(([name, percent]) => `${name} ${fixed(percent)}%`)
    .join(', ');
  // The rounds measure each configuration minutes apart, too far for a CPU ratio to hold (docs/performance.md): the pair gives it.
  const paired = results.paired
    ? [
        `**The services' added CPU per request**, side by side: ${pairedLine(results.paired.added)}`,
        `**The A/A control**, the same way: ${pairedLine(results.paired.aa)}`,
      ]
    : [];
  return [
    ...paired,
    `**The pipeline's CPU per 1000 spans/s**, percent of one core (project, ${fixed(project.cpu.spansPerRequest, 1)} spans per request): ${perComponent}. ` +
      `Per request: ${range(project.cpu.pipelineUsPerRequest)} µs, ${range(project.cpu.pipelineFraction, 2)} of the untraced services' CPU.`,
    ...moduleSystemLine(results),
  ].join('\n');
}

/** users-service as the ES module it is (--import, the loader hook) against the same code as CommonJS (--require). */
function moduleSystemLine(results: Results): string[] {
  const esm = results.summary.project;
  const cjs = results.summary['project, users-service CommonJS'];
  if (!esm || !cjs) return [];
  const users = (s: Summary) => `${fixed(s.startupMs['users-service'] ?? Number.NaN, 0)} ms`;
  const cpu = (s: Summary) => `${fixed(s.cpu.usPerRequest['users-service'] ?? Number.NaN, 0)} µs`;
  return [
    `**users-service as an ES module (--import) against the same code as CommonJS (--require)**: startup to /readyz ${users(esm)} ` +
      `against ${users(cjs)}; its CPU per request at ${results.rates.lower} req/s ${cpu(esm)} against ${cpu(cjs)} (medians of the rounds).`,
  ];
}

/** A table with a column per configuration: its header lines, and a row maker. */
function byConfiguration(results: Results) {
  const names = Object.keys(results.summary);
  return {
    names,
    header: [`| | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`],
    row: (label: string, value: (s: Summary) => string) =>
      `| ${label} | ${names.map((n) => value(results.summary[n] as Summary)).join(' | ')} |`,
  };
}

function configTable(results: Results): string {
  const { header, row } = byConfiguration(results);
  const { lower, higher } = results.rates;
  const perService = (pick: (s: Summary) => Record<string, number>) => (s: Summary) =>
    Object.entries(pick(s))
      .map(([svc, v]) => `${svc.replace('-service', '')} ${v}`)
      .join(', ');
  return [
    ...header,
    row('saturation req/s, median (min-max)', (s) => range(s.saturationRps)),
    row('throughput vs off, median (min-max)', (s) => range(s.throughputVsOff, 2)),
    row(`${lower} req/s: p50 / p99 ms`, (s) => `${fixed(s.lower.p50Ms)} / ${fixed(s.lower.p99Ms)}`),
    row(`${lower} req/s: added p50 / p99 ms`, (s) => `${fixed(s.lower.addedP50Ms)} / ${fixed(s.lower.addedP99Ms)}`),
    row(`${higher} req/s: p50 / p99 ms`, (s) => `${fixed(s.higher.p50Ms)} / ${fixed(s.higher.p99Ms)}`),
    row(`${higher} req/s: added p50 / p99 ms`, (s) => `${fixed(s.higher.addedP50Ms)} / ${fixed(s.higher.addedP99Ms)}`),
    row(
      'RSS idle, MB',
      perService((s) => s.rssIdleMb),
    ),
    row(
      'RSS under load, MB',
      perService((s) => s.rssLoadMb),
    ),
    row(
      'startup to /readyz, ms',
      perService((s) => s.startupMs),
    ),
  ].join('\n');
}

/** CPU per request, per process, at the lower rate: medians of the rounds (min-max for the totals). */
function cpuTable(results: Results): string {
  const { names, header, row } = byConfiguration(results);
  const processes = [...new Set(names.flatMap((n) => Object.keys(results.summary[n]?.cpu.usPerRequest ?? {})))];
  return [
    `CPU per request at ${results.rates.lower} req/s, µs (user + system, every thread, from /proc), medians of the rounds:`,
    '',
    ...header,
    ...processes.map((p) => row(p, (s) => fixed(s.cpu.usPerRequest[p] ?? Number.NaN, 0))),
    row('**services**, median (min-max)', (s) => range(s.cpu.servicesUsPerRequest)),
    row('**services added**, vs off', (s) => range(s.cpu.addedServicesUsPerRequest)),
    row("**services added**, fraction of off's", (s) => range(s.cpu.addedFraction, 2)),
    row('**pipeline**', (s) => range(s.cpu.pipelineUsPerRequest)),
    row("**pipeline**, fraction of off's services", (s) => range(s.cpu.pipelineFraction, 2)),
    row('spans per request (the Collector accepted)', (s) => fixed(s.cpu.spansPerRequest, 2)),
    ...processes
      .filter((p) => names.some((n) => Number.isFinite(results.summary[n]?.cpu.percentOfCorePer1000SpansPerSec[p])))
      .map((p) => row(`${p}: % of a core per 1000 spans/s`, (s) => fixed(s.cpu.percentOfCorePer1000SpansPerSec[p] ?? Number.NaN))),
  ].join('\n');
}

export function attributionTable(a: Attribution): string {
  const share = (us: number) => `${fixed((us / a.measured.addedUs) * 100, 0)}%`;
  return [
    `Where the traced services' added CPU goes, at ${a.ratePerSec} req/s: each service's CPU from /proc, shared out by owner as its CPU profile's samples are ` +
      "(node --cpu-prof, the main thread; GC helper threads count with the main thread's mix). Microseconds per request, the three services summed:",
    '',
    '| owner | off | project | added | share of the added |',
    '|---|---|---|---|---|',
    ...a.rows.map((r) => `| ${r.owner} | ${r.offUs} | ${r.projectUs} | ${r.addedUs} | ${share(r.addedUs)} |`),
    `| **all, from /proc** | ${a.measured.offUs} | ${a.measured.projectUs} | ${a.measured.addedUs} | 100% |`,
    '',
    `Attributed to named code: ${a.attributed} µs of the ${a.measured.addedUs} µs added (${share(a.attributed)}); the rest is native code with no JavaScript on the stack, and packages not named.`,
    '',
    "Inside OpenTelemetry's packages, the functions that cost most (with what they call outside any package), µs per request:",
    '',
    ...a.topOpenTelemetryFunctions.map((f) => `- ${f.fn}: ${f.us}`),
  ].join('\n');
}

function extraLines(results: Results): string[] {
  const d = results.delivery;
  const g = results.gatewayTier;
  return [
    grpcHopLine(results),
    d
      ? `Delivery (project, ${d.ratePerSec} req/s open-loop, ${d.requests} requests answered 2xx, ${d.failedRequests} failed): ${d.expectedSpans} spans expected from the answered requests, ` +
        `${d.accepted} accepted by the Collector, ${d.sentToJaeger} sent to Jaeger, ${d.collectorFailed} refused or failed in the Collector, ${d.sdkDroppedLines} SDK drop reports.`
      : '',
    results.timeToVisibleMs
      ? `Time to visible in Jaeger (project, ${results.timeToVisibleMs.samples} requests): p50 ${results.timeToVisibleMs.p50} ms, p95 ${results.timeToVisibleMs.p95} ms.`
      : '',
    g
      ? `The two-tier pipeline (${g.gateways} gateways, tail sampling, ${g.spansPerSec} spans/s, ${g.failedRequests} failed requests), percent of one core per 1000 spans/s: ` +
        `the agent Collector ${g.cpuPercentOfCorePer1000SpansPerSec.agent}%, the gateways ${g.cpuPercentOfCorePer1000SpansPerSec.gateways}% in all, Jaeger ${g.cpuPercentOfCorePer1000SpansPerSec.jaeger}%; ` +
        `peak RSS ${Object.entries(g.peakRssMb)
          .map(([name, mb]) => `${name} ${mb} MB`)
          .join(', ')}.`
      : '',
    results.productionSizeMb
      ? `Production dependencies (pnpm deploy --prod): ${Object.entries(results.productionSizeMb)
          .map(([svc, mb]) => `${svc} ${mb} MB`)
          .join(', ')}.`
      : '',
  ].filter((line) => line !== '');
}

/** The last hop over gRPC against the same hop over axios, both with the project bootstrap: is it cheaper or dearer? */
function grpcHopLine(results: Results): string {
  const http = results.summary.project;
  const grpc = results.summary['project, gRPC hop'];
  if (!http || !grpc) return '';
  const ratio = grpc.saturationRps.median / http.saturationRps.median;
  const p50 = grpc.lower.p50Ms - http.lower.p50Ms;
  const p99 = grpc.lower.p99Ms - http.lower.p99Ms;
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${fixed(ms, 2)} ms`;
  // Round to round this machine moves by more than some differences: say which these are.
  const overlap = grpc.saturationRps.min <= http.saturationRps.max && http.saturationRps.min <= grpc.saturationRps.max;
  const verdict = overlap ? 'within the spread of the rounds: neither cheaper nor dearer here' : ratio >= 1 ? 'cheaper' : 'dearer';
  return (
    `users-service -> posts-service over gRPC instead of axios (both traced by the project bootstrap): ` +
    `${fixed(ratio, 2)} of the saturation throughput (${verdict}), ` +
    `${signed(p50)} p50 and ${signed(p99)} p99 at ${results.rates.lower} req/s.`
  );
}

/** Latency distributions at the lower rate (median round of each configuration) as an SVG line chart. */
export function latencySvg(results: Results): string {
  const palette = ['#2b8a3e', '#c92a2a', '#1864ab', '#0b7285', '#e67700', '#862e9c', '#5c940d', '#495057', '#d6336c'];
  const names = Object.keys(results.configs);
  const colors = Object.fromEntries(names.map((name, i) => [name, palette[i % palette.length]]));
  const series = names.map((name) => {
    const rounds = results.configs[name]?.rounds ?? [];
    const mid = [...rounds].sort((a, b) => a.lower.p50Ms - b.lower.p50Ms)[Math.floor(rounds.length / 2)];
    // Sorted: an object lists integer-like keys ("50") before the others ("2.5").
    const points = Object.entries(mid?.lower.distribution ?? {}).map(([p, ms]) => ({ p: Number(p), ms }));
    return { name, points: points.sort((a, b) => a.p - b.p) };
  });
  const maxMs = Math.max(1, ...series.flatMap((s) => s.points.map((pt) => pt.ms)));
  const [w, h, left, bottom] = [640, 360, 50, 40];
  const x = (ms: number) => left + (ms / maxMs) * (w - left - 20);
  const y = (p: number) => h - bottom - (p / 100) * (h - bottom - 20);
  const lines = series.map(
    (s) =>
      `<polyline fill="none" stroke="${colors[s.name]}" stroke-width="2" points="${s.points.map((pt) => `${x(pt.ms).toFixed(1)},${y(pt.p).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${w - 120}" y="${h - bottom - 70 + 18 * series.indexOf(s)}" fill="${colors[s.name]}" font-size="13">${s.name}</text>`,
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) => `<text x="${x(maxMs * f)}" y="${h - bottom + 16}" font-size="11" text-anchor="middle">${(maxMs * f).toFixed(1)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" role="img">`,
    `<title>Latency distribution at ${results.rates.lower} req/s, by configuration</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="14" font-size="13">Latency at ${results.rates.lower} req/s, cumulative (percent of requests at or under)</text>`,
    `<line x1="${left}" y1="${y(0)}" x2="${w - 20}" y2="${y(0)}" stroke="#999"/><line x1="${left}" y1="${y(0)}" x2="${left}" y2="${y(100)}" stroke="#999"/>`,
    ...[0, 50, 90, 99].map((p) => `<text x="${left - 6}" y="${y(p) + 4}" font-size="11" text-anchor="end">p${p}</text>`),
    ...ticks,
    `<text x="${(w + left) / 2}" y="${h - 6}" font-size="12" text-anchor="middle">ms</text>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
