/**
 * CI runs a short version of `pnpm bench` only to check that it works end to end: every
 * figure is measured and every target gets a verdict line. Its timings are not judged here;
 * the full benchmark's are (docs/benchmark).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';

/** What this test reads of a round in results.json (tools/bench/src/report.ts: RoundResult). */
interface Round {
  saturationRps: number;
  failedByLoad: { saturation: number; rate100: number; rate300: number };
}

const out = mkdtempSync(join(tmpdir(), 'bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('pnpm bench --smoke measures every figure and writes JSON, markdown and SVG', () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'tools/bench/dist/bench.js'), '--smoke', '--out', out], {
    stdio: 'pipe',
    timeout: 300_000,
  });
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  for (const name of ['off', 'stock', 'project', 'project, gRPC hop', 'head 10%', 'head 1%']) {
    const summary = results.summary[name];
    expect([name, summary.saturationRps.median]).toEqual([name, expect.any(Number)]);
    expect(summary.saturationRps.median).toBeGreaterThan(0);
    expect(Number.isFinite(summary.rate100.p99Ms)).toBe(true);
    expect(Object.keys(summary.startupMs)).toEqual(['posts-service', 'users-service', 'frontend']);
    // No request may fail under a load the configuration carries. A fixed rate above its
    // saturation throughput overloads it, and requests then time out: that is a measurement of
    // this machine, not the benchmark failing (on a slow day here, stock carried 176 req/s and
    // its 300 req/s phase timed out 137 requests). On a failure, the bench's samples say what failed.
    const failed = results.configs[name].rounds.filter(
      (r: Round) => r.failedByLoad.saturation + r.failedByLoad.rate100 > 0 || (r.saturationRps > 300 * 1.25 && r.failedByLoad.rate300 > 0),
    );
    expect([name, failed]).toEqual([name, []]);
  }
  expect(results.delivery.expectedSpans).toBeGreaterThan(0);
  expect(results.timeToVisibleMs.samples).toBeGreaterThan(0);
  // The gateway tier: its CPU per 1000 spans/s and each gateway's memory, measured.
  expect(results.gatewayTier).toMatchObject({ gateways: 2, failedRequests: expect.any(Number) });
  expect(results.gatewayTier.spansPerSec).toBeGreaterThan(0);
  expect(results.gatewayTier.cpuPercentOfCorePer1000SpansPerSec).toBeGreaterThan(0);
  expect(Object.keys(results.gatewayTier.peakRssMb)).toEqual(['otel-gateway-1', 'otel-gateway-2']);
  expect(results.verdicts).toHaveLength(8);
  const markdown = readFileSync(join(out, 'results.md'), 'utf8');
  expect(markdown.match(/^- (PASS|MISS): /gm)).toHaveLength(8);
  expect(readFileSync(join(out, 'latency.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>/);
});
