import type { DatabaseSync } from 'node:sqlite';
import { DEMO_USER_COUNT, EmbeddedDatabase, pick, seededRandom } from '@demo/service-kit';

export type Visibility = 'public' | 'private';

export interface Post {
  id: number;
  userId: number;
  title: string;
  body: string;
  visibility: Visibility;
  createdAt: string;
}

export const POSTS_PER_USER = 10;

const RECORD_VIEW_SQL = 'INSERT INTO post_views (post_id, views) VALUES (?, 1) ON CONFLICT (post_id) DO UPDATE SET views = views + 1';

const SELECT_POSTS_SQL = (placeholders: string) =>
  `SELECT id, user_id AS userId, title, body, visibility, created_at AS createdAt FROM posts WHERE user_id = ? AND visibility IN (${placeholders}) ORDER BY id`;

/** posts-service's own embedded database: the posts table, seeded the same way at every start. */
export class PostsDatabase {
  private constructor(private readonly db: EmbeddedDatabase) {}

  static open(path: string, options: { latencyMs?: number } = {}): PostsDatabase {
    return new PostsDatabase(
      EmbeddedDatabase.open(
        'posts',
        path,
        (db) => {
          db.exec(`CREATE TABLE IF NOT EXISTS posts (
          id INTEGER PRIMARY KEY,
          user_id INTEGER NOT NULL,
          title TEXT NOT NULL,
          body TEXT NOT NULL,
          visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
          created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS posts_by_user ON posts (user_id, visibility);
        CREATE TABLE IF NOT EXISTS post_views (
          post_id INTEGER PRIMARY KEY REFERENCES posts (id),
          views INTEGER NOT NULL
        );`);
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

  /** The author's posts whose visibility is one of `visibilities`, oldest first. */
  fetchPosts(userId: number, visibilities: readonly Visibility[]): Promise<Post[]> {
    const text = SELECT_POSTS_SQL(visibilities.map(() => '?').join(', '));
    const query = { operation: 'SELECT', collection: 'posts', text };
    return this.db.query('fetch_posts_from_db', query, (db) => db.prepare(text).all(userId, ...visibilities) as unknown as Post[]);
  }

  /** One more view of each post (posts-service's view-event consumer). */
  recordPostViews(postIds: readonly number[]): Promise<void> {
    const query = { operation: 'INSERT', collection: 'post_views', text: RECORD_VIEW_SQL };
    return this.db.query('record_post_views', query, (db) => {
      const record = db.prepare(RECORD_VIEW_SQL);
      db.exec('BEGIN');
      try {
        for (const id of postIds) record.run(id);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    });
  }
}

const TOPICS = ['tracing', 'latency', 'sampling', 'baggage', 'spans', 'collectors', 'exporters', 'context'];
const VERBS = ['Understanding', 'Debugging', 'Measuring', 'Shipping', 'Taming', 'Explaining'];

function seed(db: DatabaseSync): void {
  const { count } = db.prepare('SELECT COUNT(*) AS count FROM posts').get() as { count: number };
  if (count > 0) return;
  const random = seededRandom(2);
  const insert = db.prepare('INSERT INTO posts (id, user_id, title, body, visibility, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  db.exec('BEGIN');
  for (let id = 1; id <= DEMO_USER_COUNT * POSTS_PER_USER; id++) {
    const userId = ((id - 1) % DEMO_USER_COUNT) + 1;
    const topic = pick(random, TOPICS);
    const visibility: Visibility = random() < 0.25 ? 'private' : 'public';
    const createdAt = new Date(Date.UTC(2026, 0, 1) + id * 3_600_000).toISOString();
    insert.run(id, userId, `${pick(random, VERBS)} ${topic}`, `Notes on ${topic}, part ${id}.`, visibility, createdAt);
  }
  db.exec('COMMIT');
}
