import type { ConfigName } from './configs';

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

export interface Results {
  date: string;
  machine: { cpus: number; node: string };
  settings: Record<string, unknown>;
  configs: Record<ConfigName, { description: string; rounds: RoundResult[] }>;
  summary: Record<ConfigName, Summary>;
  delivery: {
    requests: number;
    failedRequests: number;
    expectedSpans: number;
    accepted: number;
    sentToJaeger: number;
    collectorFailed: number;
    sdkDroppedLines: number;
  };
  timeToVisibleMs: { p50: number; p95: number; samples: number };
  /** The two-tier pipeline's gateways (tail sampling) under the project's spans. */
  gatewayTier: {
    gateways: number;
    spansPerSec: number;
    failedRequests: number;
    /** All gateways together: percent of one core per 1000 spans/s. */
    cpuPercentOfCorePer1000SpansPerSec: number;
    peakRssMb: Record<string, number>;
  };
  productionSizeMb: Record<string, number>;
  verdicts: Verdict[];
}

export interface RoundResult {
  saturationRps: number;
  rate100: { p50Ms: number; p99Ms: number; distribution: Record<string, number> };
  rate300: { p50Ms: number; p99Ms: number };
  rssIdleMb: Record<string, number>;
  rssLoadMb: Record<string, number>;
  startupMs: Record<string, number>;
  failedRequests: number;
  /** The same, by load: a fixed rate above what the configuration carries fails by overload. */
  failedByLoad: { saturation: number; rate100: number; rate300: number };
  /** When requests failed: the first few reasons (load generator errors, services' error lines). */
  failureSamples: string[];
}

export interface Summary {
  saturationRps: { min: number; median: number; max: number };
  throughputVsOff: { min: number; median: number; max: number };
  rate100: { p50Ms: number; p99Ms: number; addedP50Ms: number; addedP99Ms: number };
  rate300: { p50Ms: number; p99Ms: number; addedP50Ms: number; addedP99Ms: number };
  rssIdleMb: Record<string, number>;
  rssLoadMb: Record<string, number>;
  startupMs: Record<string, number>;
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function markdown(results: Results): string {
  const names = Object.keys(results.summary) as ConfigName[];
  const row = (label: string, value: (s: Summary) => string) => `| ${label} | ${names.map((n) => value(results.summary[n])).join(' | ')} |`;
  const perService = (pick: (s: Summary) => Record<string, number>) => (s: Summary) =>
    Object.entries(pick(s))
      .map(([svc, v]) => `${svc.replace('-service', '')} ${v}`)
      .join(', ');
  return [
    `Benchmark of ${results.date}: ${results.machine.cpus} cores, Node ${results.machine.node}; ${JSON.stringify(results.settings)}.`,
    '',
    `| | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    row(
      'saturation req/s, median (min-max)',
      (s) => `${fixed(s.saturationRps.median, 0)} (${fixed(s.saturationRps.min, 0)}-${fixed(s.saturationRps.max, 0)})`,
    ),
    row(
      'throughput vs off, median (min-max)',
      (s) => `${fixed(s.throughputVsOff.median, 2)} (${fixed(s.throughputVsOff.min, 2)}-${fixed(s.throughputVsOff.max, 2)})`,
    ),
    row('100 req/s: p50 / p99 ms', (s) => `${fixed(s.rate100.p50Ms)} / ${fixed(s.rate100.p99Ms)}`),
    row('100 req/s: added p50 / p99 ms', (s) => `${fixed(s.rate100.addedP50Ms)} / ${fixed(s.rate100.addedP99Ms)}`),
    row('300 req/s: p50 / p99 ms', (s) => `${fixed(s.rate300.p50Ms)} / ${fixed(s.rate300.p99Ms)}`),
    row('300 req/s: added p50 / p99 ms', (s) => `${fixed(s.rate300.addedP50Ms)} / ${fixed(s.rate300.addedP99Ms)}`),
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
    '',
    grpcHopLine(results),
    `Delivery (project, 300 req/s open-loop, ${results.delivery.requests} requests answered 2xx, ${results.delivery.failedRequests} failed): ${results.delivery.expectedSpans} spans expected, ` +
      `${results.delivery.accepted} accepted by the Collector, ${results.delivery.sentToJaeger} sent to Jaeger, ` +
      `${results.delivery.collectorFailed} refused or failed in the Collector, ${results.delivery.sdkDroppedLines} SDK drop reports.`,
    `Time to visible in Jaeger (project, ${results.timeToVisibleMs.samples} requests): p50 ${results.timeToVisibleMs.p50} ms, p95 ${results.timeToVisibleMs.p95} ms.`,
    `The gateway tier (${results.gatewayTier.gateways} gateways, tail sampling, ${results.gatewayTier.spansPerSec} spans/s, ${results.gatewayTier.failedRequests} failed requests): ` +
      `${results.gatewayTier.cpuPercentOfCorePer1000SpansPerSec}% of a core per 1000 spans/s in all, peak RSS ${Object.entries(
        results.gatewayTier.peakRssMb,
      )
        .map(([name, mb]) => `${name} ${mb} MB`)
        .join(', ')}.`,
    `Production dependencies (pnpm deploy --prod): ${Object.entries(results.productionSizeMb)
      .map(([svc, mb]) => `${svc} ${mb} MB`)
      .join(', ')}.`,
    '',
    ...results.verdicts.map((v) => `- ${v.pass ? 'PASS' : 'MISS'}: ${v.target}: ${v.measured}`),
    '',
  ].join('\n');
}

/** The last hop over gRPC against the same hop over axios, both with the project bootstrap: is it cheaper or dearer? */
function grpcHopLine(results: Results): string {
  const http = results.summary.project;
  const grpc = results.summary['project, gRPC hop'];
  if (!http || !grpc) return '';
  const ratio = grpc.saturationRps.median / http.saturationRps.median;
  const p50 = grpc.rate100.p50Ms - http.rate100.p50Ms;
  const p99 = grpc.rate100.p99Ms - http.rate100.p99Ms;
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${fixed(ms, 2)} ms`;
  // Round to round this machine moves by more than some differences: say which these are.
  const overlap = grpc.saturationRps.min <= http.saturationRps.max && http.saturationRps.min <= grpc.saturationRps.max;
  const verdict = overlap ? 'within the spread of the rounds: neither cheaper nor dearer here' : ratio >= 1 ? 'cheaper' : 'dearer';
  return (
    `users-service -> posts-service over gRPC instead of axios (both traced by the project bootstrap): ` +
    `${fixed(ratio, 2)} of the saturation throughput (${verdict}), ` +
    `${signed(p50)} p50 and ${signed(p99)} p99 at 100 req/s.`
  );
}

/** Latency distributions at 100 req/s (median round of each configuration) as an SVG line chart. */
export function latencySvg(results: Results): string {
  const colors: Record<ConfigName, string> = {
    off: '#2b8a3e',
    stock: '#c92a2a',
    project: '#1864ab',
    'project, gRPC hop': '#0b7285',
    'head 10%': '#e67700',
    'head 1%': '#862e9c',
  };
  const series = (Object.keys(results.configs) as ConfigName[]).map((name) => {
    const rounds = results.configs[name].rounds;
    const mid = [...rounds].sort((a, b) => a.rate100.p50Ms - b.rate100.p50Ms)[Math.floor(rounds.length / 2)];
    // Sorted: an object lists integer-like keys ("50") before the others ("2.5").
    const points = Object.entries(mid?.rate100.distribution ?? {}).map(([p, ms]) => ({ p: Number(p), ms }));
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
    '<title>Latency distribution at 100 req/s: off, stock and project</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="14" font-size="13">Latency at 100 req/s, cumulative (percent of requests at or under)</text>`,
    `<line x1="${left}" y1="${y(0)}" x2="${w - 20}" y2="${y(0)}" stroke="#999"/><line x1="${left}" y1="${y(0)}" x2="${left}" y2="${y(100)}" stroke="#999"/>`,
    ...[0, 50, 90, 99].map((p) => `<text x="${left - 6}" y="${y(p) + 4}" font-size="11" text-anchor="end">p${p}</text>`),
    ...ticks,
    `<text x="${(w + left) / 2}" y="${h - 6}" font-size="12" text-anchor="middle">ms</text>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
