/**
 * CI runs a short version of `pnpm bench` only to check that it works end to end: every
 * figure is measured (the CPU account per process and the attribution by owner among them) and
 * every target gets a verdict line. Its timings are not judged here; the full benchmark's are
 * (docs/benchmark).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINE_NAMES, REPO_ROOT, SERVICE_NAMES } from '@demo/stack';

/** What this test reads of a round in results.json (tools/bench/src/report.ts: RoundResult). */
interface Round {
  saturationRps: number;
  failedByLoad: { saturation: number; lower: number; higher: number };
}

const CONFIGS = [
  'off',
  'stock',
  'project',
  'project, users-service CommonJS',
  'project, gRPC hop',
  'head 10%',
  'project, queue in memory',
  'project, Jaeger in memory',
];
const out = mkdtempSync(join(tmpdir(), 'bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('pnpm bench --smoke measures every figure, accounts CPU per process, attributes it by owner, and writes JSON, markdown and SVG', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'tools/bench/dist/bench.js'), '--smoke', '--out', out], {
    stdio: 'pipe',
    timeout: 420_000,
  });
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  // The fixed rates come from this run's own untraced saturation.
  expect(results.rates.lower).toBe(Math.round(results.rates.offSaturationRps * 0.15));
  expect(results.rates.higher).toBe(Math.round(results.rates.offSaturationRps * 0.3));
  expect(Object.keys(results.summary)).toEqual(CONFIGS);
  for (const name of CONFIGS) {
    const summary = results.summary[name];
    expect([name, summary.saturationRps.median]).toEqual([name, expect.any(Number)]);
    expect(summary.saturationRps.median).toBeGreaterThan(0);
    expect(Number.isFinite(summary.lower.p99Ms)).toBe(true);
    expect(Object.keys(summary.startupMs)).toEqual(['posts-service', 'users-service', 'frontend']);
    // Every process of the stack has its CPU per request, from /proc.
    expect(Object.keys(summary.cpu.usPerRequest).sort()).toEqual([...SERVICE_NAMES, ...PIPELINE_NAMES].sort());
    expect(summary.cpu.servicesUsPerRequest.median).toBeGreaterThan(0);
    expect(summary.cpu.pipelineUsPerRequest.median).toBeGreaterThan(0);
    // Tracing off exports no spans; every traced configuration does, and the pipeline's per-span cost is measured.
    if (name === 'off') expect(summary.cpu.spansPerRequest).toBe(0);
    else {
      expect([name, summary.cpu.spansPerRequest]).toEqual([name, expect.any(Number)]);
      expect(summary.cpu.spansPerRequest).toBeGreaterThan(0);
      expect(summary.cpu.percentOfCorePer1000SpansPerSec.jaeger).toBeGreaterThan(0);
    }
    // No request may fail under a load the configuration carries. The higher rate can overload a
    // configuration on a slow day: then its requests time out, a measurement of this machine, not
    // the benchmark failing. On a failure, the bench's samples say what failed.
    const failed = results.configs[name].rounds.filter(
      (r: Round) =>
        r.failedByLoad.saturation + r.failedByLoad.lower > 0 ||
        (r.saturationRps > results.rates.higher * 1.25 && r.failedByLoad.higher > 0),
    );
    expect([name, failed]).toEqual([name, []]);
  }
  // The services' added CPU, shared out by owner: the instrumentations appear only when traced.
  const owners = Object.fromEntries(results.attribution.rows.map((row: { owner: string }) => [row.owner, row]));
  expect(owners["the bootstrap's http instrumentation"]).toMatchObject({ offUs: 0, projectUs: expect.any(Number) });
  expect(owners["the bootstrap's http instrumentation"].projectUs).toBeGreaterThan(0);
  expect(owners['garbage collection'].offUs).toBeGreaterThan(0);
  expect(results.attribution.measured.projectUs).toBeGreaterThan(results.attribution.measured.offUs);
  expect(results.delivery.expectedSpans).toBeGreaterThan(0);
  expect(results.timeToVisibleMs.samples).toBeGreaterThan(0);
  // The two-tier pipeline: each tier's CPU per 1000 spans/s and each gateway's memory, measured.
  expect(results.gatewayTier).toMatchObject({ gateways: 2, failedRequests: expect.any(Number) });
  expect(results.gatewayTier.spansPerSec).toBeGreaterThan(0);
  for (const tier of ['agent', 'gateways', 'jaeger'])
    expect(results.gatewayTier.cpuPercentOfCorePer1000SpansPerSec[tier]).toBeGreaterThan(0);
  expect(Object.keys(results.gatewayTier.peakRssMb)).toEqual(['otel-gateway-1', 'otel-gateway-2']);
  // The services' added CPU comes from the side-by-side comparison, after its A/A control.
  expect([results.paired.aa.a, results.paired.aa.b, results.paired.added.a, results.paired.added.b]).toEqual([
    'project',
    'project',
    'project',
    'off',
  ]);
  expect(results.verdicts.map((v: { target: string }) => v.target)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^the services' added CPU per request, side by side/),
      expect.stringMatching(/^the A\/A control/),
    ]),
  );
  expect(results.verdicts).toHaveLength(10);
  const markdown = readFileSync(join(out, 'results.md'), 'utf8');
  expect(markdown.match(/^- (PASS|MISS): /gm)).toHaveLength(10);
  expect(markdown).toMatch(/^\*\*The services' added CPU per request\*\*, side by side: paired \(/m);
  expect(markdown).toMatch(/^\*\*The A\/A control\*\*, the same way: paired \(\d{4}-\d\d-\d\d\): "project" over "project"/m);
  // The ES-module start against CommonJS, for the same service in the same run.
  expect(markdown).toMatch(
    /^\*\*users-service as an ES module \(--import\) against the same code as CommonJS \(--require\)\*\*: startup to \/readyz \d+ ms against \d+ ms; its CPU per request at \d+ req\/s \d+ µs against \d+ µs/m,
  );
  expect(markdown).toMatch(/^\| owner \| off \| project \| added \| share of the added \|$/m);
  expect(readFileSync(join(out, 'latency.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>/);
});

test('pnpm bench --pair project --pair off --smoke: both sides at once on one pipeline, a paired ratio per block, an interval and a verdict', () => {
  const pairedOut = join(out, 'paired');
  const printed = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'tools/bench/dist/bench.js'), '--pair', 'project', '--pair', 'off', '--smoke', '--out', pairedOut],
    { encoding: 'utf8', stdio: 'pipe', timeout: 180_000 },
  );
  const result = JSON.parse(readFileSync(join(pairedOut, 'paired.json'), 'utf8'));
  expect([result.a, result.b, result.blocks.length]).toEqual(['project', 'off', 3]);
  for (const block of result.blocks) {
    // Both sides answered in every block, and each side's CPU was read from its own processes.
    expect(block.requests.a).toBeGreaterThan(0);
    expect(block.requests.b).toBeGreaterThan(0);
    expect(block.servicesUs.a).toBeGreaterThan(0);
    expect(block.servicesUs.b).toBeGreaterThan(0);
    expect(Number.isFinite(block.ratio)).toBe(true);
    // Only A is traced: the pipeline works for A's spans.
    expect(block.pipelineUsPerARequest).toBeGreaterThan(0);
    // Each side's GC pauses per request, from the probe in every service.
    expect(block.gcUs.a).toBeGreaterThanOrEqual(block.gcMajorUs.a);
    expect(block.gcUs.b).toBeGreaterThanOrEqual(block.gcMajorUs.b);
    // Three Node services hold tens of MB each.
    expect(block.rssMb.a).toBeGreaterThan(60);
    expect(block.rssMb.b).toBeGreaterThan(60);
  }
  // The traced side collected garbage in the run (a block of 3 s may see none on the untraced side).
  expect(result.blocks.reduce((sum: number, block: { gcUs: { a: number } }) => sum + block.gcUs.a, 0)).toBeGreaterThan(0);
  expect(result.ratio.low).toBeLessThanOrEqual(result.ratio.estimate);
  expect(result.ratio.high).toBeGreaterThanOrEqual(result.ratio.estimate);
  expect(['same', 'different', 'not enough data']).toContain(result.verdict);
  expect(result.failedRequests).toBe(0);
  expect(printed).toMatch(
    /^paired \(\d{4}-\d\d-\d\d\): "project" over "off" − 1 = -?\d+\.\d{3}, 95% interval .* \(3 blocks of 3 s, 20 req\/s a side\): (SAME|DIFFERENT|NOT ENOUGH DATA).* GC pauses per request: A \d+ µs \(major \d+\), B \d+ µs.* Peak resident memory of the three services: A \d+ MB, B \d+ MB/m,
  );
});
