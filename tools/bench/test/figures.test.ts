/**
 * The bench figures the README and docs quote, held to the runs they come from. A page writes a
 * figure followed by `<!--fig:NAME-->`; docs/benchmark/figures.json says which committed run
 * (results.json, as `pnpm bench` wrote it) and which value of it NAME is. Each figure is rendered
 * from that run and must be the text just before its marker, and the run's date must stand in the
 * same section, so that no figure is quoted without the run it belongs to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface FigureSource {
  run: string;
  path: string;
  digits: number;
}

const { $comment: _comment, ...FIGURES } = JSON.parse(read('docs/benchmark/figures.json')) as Record<string, FigureSource> & {
  $comment: string;
};

const runs = new Map<string, { date: string }>();
function runOf(path: string): { date: string } & Record<string, unknown> {
  if (!runs.has(path)) runs.set(path, JSON.parse(read(path)));
  return runs.get(path) as { date: string } & Record<string, unknown>;
}

/** The figure as the page must print it, from its run's results. */
function renderFigure(name: string): string {
  const source = FIGURES[name];
  if (!source) throw new Error(`no figure named ${name} in docs/benchmark/figures.json`);
  const value = source.path
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], runOf(source.run));
  if (typeof value !== 'number') throw new Error(`${name}: ${source.path} is not a number in ${source.run}`);
  return value.toFixed(source.digits);
}

const runDate = (name: string) => runOf((FIGURES[name] as FigureSource).run).date.slice(0, 10);

/** The README and every page of docs/, less the bench's own reports (docs/benchmark/). */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md') && !file.startsWith('benchmark'))
    .map((file) => relative(ROOT, join(ROOT, 'docs', file)));
  return ['README.md', ...docs];
}

interface Quoted {
  page: string;
  name: string;
  /** The text on the marker's line before it. */
  before: string;
  /** The page from its last heading up to the marker. */
  section: string;
}

function quotedFigures(page: string): Quoted[] {
  const text = read(page);
  // A marker shown as code (`<!--fig:NAME-->`, where a page explains the syntax) is not one.
  return [...text.matchAll(/(?<!`)<!--fig:([\w-]+)-->/g)].map((match) => {
    const upTo = text.slice(0, match.index);
    const headings = [...upTo.matchAll(/^#{1,6} .*$/gm)];
    const sectionStart = headings.at(-1)?.index ?? 0;
    return {
      page,
      name: match[1] as string,
      before: upTo.slice(upTo.lastIndexOf('\n') + 1),
      section: upTo.slice(sectionStart),
    };
  });
}

const quoted = pages().flatMap(quotedFigures);

test('the pages quote figures (the markers are found)', () => {
  expect(quoted.length).toBeGreaterThan(10);
  expect(new Set(quoted.map((figure) => figure.page))).toContain('README.md');
});

test.each(quoted.map((figure) => [`${figure.page}: ${figure.name}`, figure] as const))(
  '%s is its run’s figure, with the run’s date in its section',
  (_label, figure) => {
    const expected = renderFigure(figure.name);
    // The number right before the marker, whole (so that 10.48 does not pass for 0.48); a minus is
    // its sign only after a space or a parenthesis ("0.07-1.31" is a range, "(-0.003" a negative).
    const printed = /(?:(?<=^|[\s(])-)?\d[\d,]*(?:\.\d+)?$/.exec(figure.before)?.[0]?.replaceAll(',', '');
    expect({ figure: figure.name, printed }).toEqual({ figure: figure.name, printed: expected });
    expect({ figure: figure.name, runDateInSection: figure.section.includes(runDate(figure.name)) }).toEqual({
      figure: figure.name,
      runDateInSection: true,
    });
  },
);

test('every figure in figures.json is quoted somewhere (no stale entries)', () => {
  const used = new Set(quoted.map((figure) => figure.name));
  expect(Object.keys(FIGURES).filter((name) => !used.has(name))).toEqual([]);
});
