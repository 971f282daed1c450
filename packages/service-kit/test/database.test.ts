import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbSpanAttributes, EmbeddedDatabase, seededRandom } from '../src';

test('seededRandom repeats its sequence for a seed and differs across seeds', () => {
  const take = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
  expect(take(7)).toEqual(take(7));
  expect(take(7)).not.toEqual(take(8));
  expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
});

test('dbSpanAttributes uses the stable database semantic conventions', () => {
  expect(
    dbSpanAttributes({ operation: 'SELECT', collection: 'users', namespace: 'users', text: 'SELECT * FROM users WHERE id = ?' }),
  ).toEqual({
    'db.system.name': 'sqlite',
    'db.namespace': 'users',
    'db.collection.name': 'users',
    'db.operation.name': 'SELECT',
    'db.query.text': 'SELECT * FROM users WHERE id = ?',
  });
});

describe('EmbeddedDatabase', () => {
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  const unavailable = { status: 503, code: 'database_unavailable', message: 'the notes database is unavailable' };
  const prepare = (db: import('node:sqlite').DatabaseSync) => db.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY)');
  const countNotes = (database: EmbeddedDatabase) =>
    database.query('count_notes', { operation: 'SELECT', collection: 'notes', text: 'SELECT COUNT(*) FROM notes' }, (db) =>
      db.prepare('SELECT COUNT(*) AS n FROM notes').get(),
    );

  test('a simulated network latency delays each query', async () => {
    const database = EmbeddedDatabase.open('notes', ':memory:', prepare, { latencyMs: 40 });
    const started = Date.now();
    await countNotes(database);
    expect(Date.now() - started).toBeGreaterThanOrEqual(38);
  });

  test('serves queries when the file is a database', async () => {
    const database = EmbeddedDatabase.open('notes', ':memory:', prepare);
    expect(database.isOpen).toBe(true);
    expect(await countNotes(database)).toEqual({ n: 0 });
  });

  test('a file that is not a database: unready, and every query is a 503', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'db-'));
    try {
      const path = join(dir, 'corrupt.db');
      writeFileSync(path, 'this is not an SQLite file '.repeat(200));
      const database = EmbeddedDatabase.open('notes', path, prepare);
      expect(database.isOpen).toBe(false);
      await expect(countNotes(database)).rejects.toMatchObject(unavailable);
      expect(String(stdout.mock.calls[0]?.[0])).toContain('database unavailable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a path that cannot be opened: the same', async () => {
    const database = EmbeddedDatabase.open('notes', '/nonexistent-directory/notes.db', prepare);
    expect(database.isOpen).toBe(false);
    await expect(countNotes(database)).rejects.toMatchObject(unavailable);
  });

  test('an error while a query runs, or a closed database, is a 503 too', async () => {
    const database = EmbeddedDatabase.open('notes', ':memory:', prepare);
    await expect(
      database.query('broken', { operation: 'SELECT', collection: 'missing', text: 'SELECT * FROM missing' }, (db) =>
        db.prepare('SELECT * FROM missing').all(),
      ),
    ).rejects.toMatchObject(unavailable);
    database.close();
    await expect(countNotes(database)).rejects.toMatchObject(unavailable);
  });
});
