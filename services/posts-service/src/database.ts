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
const FIRST_SEEN_SQL = 'INSERT INTO view_events (message_id) VALUES (?) ON CONFLICT (message_id) DO NOTHING';

/** A view event to record: its posts, and its message id when it has one (a repeat of an id is skipped). */
export interface ViewsToRecord {
  messageId?: string;
  postIds: readonly number[];
}

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
        );
        CREATE TABLE IF NOT EXISTS view_events (message_id TEXT PRIMARY KEY);`);
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

  /**
   * One more view of each post of each event, in one transaction (posts-service's view-event
   * consumer). An event whose message id was recorded before is a repeat (the publisher sends
   * again what the broker did not confirm) and is skipped. Resolves to the number skipped.
   */
  recordPostViews(events: readonly ViewsToRecord[]): Promise<number> {
    const query = { operation: 'INSERT', collection: 'post_views', text: RECORD_VIEW_SQL };
    return this.db.query('record_post_views', query, (db) => {
      const record = db.prepare(RECORD_VIEW_SQL);
      const firstSeen = db.prepare(FIRST_SEEN_SQL);
      let repeats = 0;
      db.exec('BEGIN');
      try {
        for (const { messageId, postIds } of events) {
          if (messageId !== undefined && firstSeen.run(messageId).changes === 0) repeats++;
          else for (const id of postIds) record.run(id);
        }
        db.exec('COMMIT');
        return repeats;
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
