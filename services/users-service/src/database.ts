import type { DatabaseSync } from 'node:sqlite';
import { DEMO_USER_COUNT, EmbeddedDatabase, pick, seededRandom } from '@demo/service-kit';

export interface User {
  id: number;
  name: string;
  email: string;
}

const SELECT_USER_SQL = 'SELECT id, name, email FROM users WHERE id = ?';

/** users-service's own embedded database: the users table, seeded the same way at every start. */
export class UsersDatabase {
  private readonly db: EmbeddedDatabase;

  private constructor(db: EmbeddedDatabase) {
    this.db = db;
  }

  static open(path: string, options: { latencyMs?: number } = {}): UsersDatabase {
    return new UsersDatabase(
      EmbeddedDatabase.open(
        'users',
        path,
        (db) => {
          db.exec(`CREATE TABLE IF NOT EXISTS users (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          email TEXT NOT NULL UNIQUE
        )`);
          seed(db);
        },
        options,
      ),
    );
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  close(): void {
    this.db.close();
  }

  fetchUser(id: number): Promise<User | undefined> {
    const query = { operation: 'SELECT', collection: 'users', text: SELECT_USER_SQL };
    return this.db.query('fetch_user_from_db', query, (db) => db.prepare(SELECT_USER_SQL).get(id) as User | undefined);
  }
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Leslie'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Allen', 'Lamport'];

function seed(db: DatabaseSync): void {
  const { count } = db.prepare('SELECT COUNT(*) AS count FROM users').get() as { count: number };
  if (count > 0) return;
  const random = seededRandom(1);
  const insert = db.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)');
  db.exec('BEGIN');
  for (let id = 1; id <= DEMO_USER_COUNT; id++) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    insert.run(id, `${first} ${last}`, `${first}.${last}.${id}@example.com`.toLowerCase());
  }
  db.exec('COMMIT');
}
