import { dbSpanAttributes, seededRandom } from '../src';

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
