import type { StoredSpan } from './jaeger';
import type { TraceContract } from './trace-contracts';

/** A child in another process is timed by another clock reading; allow this much at its start. */
const CROSS_SERVICE_START_TOLERANCE_US = 2_000;
/**
 * Span ends are recorded on response events ('finish', 'close') that two spans observe in no
 * fixed order, each on its own process's event loop: a CLIENT span was seen ending 0.4 ms after
 * its SERVER parent, and on a busy 2-core CI run a SERVER span 5.2 ms after its CLIENT parent.
 * Across processes the lag is that of the busier event loop: in the compose suite, 20 requests at
 * once beside another suite, a SERVER span ended 41.9 ms after its CLIENT parent in another container.
 */
const END_TOLERANCE_US = 20_000;
const CROSS_SERVICE_END_TOLERANCE_US = 100_000;

/**
 * Checks a stored trace against a contract and returns every mismatch found (empty when the
 * trace keeps the contract): exactly the contract's spans, their kinds, parents, status and
 * key attributes, and each child's time inside its parent's.
 */
export function contractViolations(contract: TraceContract, spans: StoredSpan[]): string[] {
  const problems: string[] = [];
  if (spans.length !== contract.spans.length) {
    problems.push(`expected ${contract.spans.length} spans, found ${spans.length}`);
  }
  const byRef = new Map<string, StoredSpan>();
  for (const expected of contract.spans) {
    const matches = spans.filter((s) => s.service === expected.service && s.name === expected.name && s.kind === expected.kind);
    if (matches.length !== 1) {
      problems.push(`${expected.ref}: expected one ${expected.service} ${expected.kind} "${expected.name}", found ${matches.length}`);
      continue;
    }
    byRef.set(expected.ref, matches[0] as StoredSpan);
  }
  for (const expected of contract.spans) {
    const actual = byRef.get(expected.ref);
    if (!actual) continue;
    const parent = expected.parent === null ? undefined : byRef.get(expected.parent);
    if (expected.parent === null && actual.parentSpanId !== null) problems.push(`${expected.ref}: expected a root span`);
    if (parent && actual.parentSpanId !== parent.spanId) problems.push(`${expected.ref}: parent is not ${expected.parent}`);
    const overrun = parent ? overrunUs(actual, parent, expected.follows) : 0;
    if (overrun > 0) problems.push(`${expected.ref}: its time leaves ${expected.parent}'s by ${overrun} µs`);
    if (expected.linksTo && actual.links.length === 0) problems.push(`${expected.ref}: expected links to ${expected.linksTo}`);
    if (actual.status !== expected.status) problems.push(`${expected.ref}: status ${actual.status}, expected ${expected.status}`);
    for (const [key, value] of Object.entries(expected.attributes)) {
      if (actual.attributes[key] !== value) {
        problems.push(`${expected.ref}: ${key}=${JSON.stringify(actual.attributes[key])}, expected ${JSON.stringify(value)}`);
      }
    }
  }
  return problems;
}

/**
 * By how much the child starts before or ends after its parent, beyond the tolerance; 0 if inside.
 * A child that `follows` its parent (a message's PRODUCER, its CONSUMER) only has to start after it.
 */
function overrunUs(child: StoredSpan, parent: StoredSpan, follows = false): number {
  const sameService = child.service === parent.service;
  const startTolerance = sameService ? 0 : CROSS_SERVICE_START_TOLERANCE_US;
  const endTolerance = sameService ? END_TOLERANCE_US : CROSS_SERVICE_END_TOLERANCE_US;
  const endOverrun = follows ? 0 : child.endUs - parent.endUs - endTolerance;
  return Math.max(0, parent.startUs - child.startUs - startTolerance, endOverrun);
}

/** The trace id of a W3C `traceresponse` header, or throws if the header is not well formed. */
export function traceIdOf(traceresponse: string | null): string {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceresponse ?? '');
  if (!match?.[1] || /^0+$/.test(match[1])) throw new Error(`not a valid traceresponse header: ${traceresponse}`);
  return match[1];
}
