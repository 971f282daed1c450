/**
 * The project's Node (NODE_VERSION in .env, the toolchain's and the images') is one every installed
 * package says it supports: each package's `engines.node`, as the lockfile records it. The
 * OpenTelemetry packages first, by name, then the whole tree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '../../..');
const nodeVersion = /^NODE_VERSION=(.+)$/m.exec(readFileSync(join(root, '.env'), 'utf8'))?.[1] ?? '';
const lockfile = parse(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };

type Version = [number, number, number];
const parts = (version: string): (number | undefined)[] =>
  version
    .split('.')
    .slice(0, 3)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : undefined));
const full = (version: string): Version => {
  const [major = 0, minor = 0, patch = 0] = parts(version);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of an npm range (`>=22.15.0`, `^20.0.0`, `18`, `>= 10.x`), against a version. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|\^|~|=)?\s*v?([\dxX*.]+)$/.exec(comparator);
  if (!match) throw new Error(`unsupported range comparator '${comparator}': teach this test its meaning`);
  const [, operator = '', bound = ''] = match;
  const order = compare(version, full(bound));
  const given = parts(bound);
  switch (operator) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '^':
      return order >= 0 && version[0] === given[0];
    case '~':
      return order >= 0 && version[0] === given[0] && version[1] === (given[1] ?? version[1]);
    default:
      // A bare version or x-range: every part it gives must match.
      return given.every((part, index) => part === undefined || part === version[index]);
  }
}

/** An npm range (alternatives split by ||, each a space-separated set of comparators). */
export function satisfies(version: string, range: string): boolean {
  const parsed = full(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => satisfiesComparator(parsed, comparator)),
  );
}

const engines = Object.entries(lockfile.packages)
  .map(([key, entry]) => ({ name: key, range: entry.engines?.node }))
  .filter((entry): entry is { name: string; range: string } => entry.range !== undefined);

test('the range reader reads the forms the tree uses', () => {
  expect(satisfies('26.12.1', '>=22.15.0')).toBe(true);
  expect(satisfies('20.19.0', '>=22.15.0')).toBe(false);
  expect(satisfies('26.12.1', '^18.14.0 || ^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(true);
  expect(satisfies('23.1.0', '^18.14.0 || ^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(false);
  expect(satisfies('26.12.1', '18 || 20 || >=22')).toBe(true);
  expect(satisfies('21.0.0', '18 || 20 || >=22')).toBe(false);
  expect(satisfies('26.12.1', '>= 10.x')).toBe(true);
  expect(satisfies('14.17.0', '>=16 || 14 >=14.18')).toBe(false);
  expect(() => satisfies('26.12.1', 'latest')).toThrow(/unsupported range comparator 'latest'/);
});

test('NODE_VERSION is a Node 26', () => {
  expect(nodeVersion).toMatch(/^26\.\d+\.\d+$/);
});

test('every OpenTelemetry package installed supports NODE_VERSION (by its engines)', () => {
  const openTelemetry = engines.filter((entry) => entry.name.startsWith('@opentelemetry/'));
  expect(openTelemetry.length).toBeGreaterThan(40);
  expect(openTelemetry.filter((entry) => !satisfies(nodeVersion, entry.range))).toEqual([]);
});

test('so does every other package in the tree', () => {
  expect(engines.length).toBeGreaterThan(300);
  expect(engines.filter((entry) => !satisfies(nodeVersion, entry.range))).toEqual([]);
});
