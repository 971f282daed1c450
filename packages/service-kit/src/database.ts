import { DatabaseSync } from 'node:sqlite';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import { HttpError } from './errors';
import { log } from './log';
import { withSpan } from './tracing';

// `sqlite` is still an incubating value of db.system.name; semconv advises copying such
// constants rather than importing the unstable entry point.
const DB_SYSTEM_NAME_SQLITE = 'sqlite';

/**
 * A service's own embedded SQLite database. A file that cannot be opened, or is not a
 * database, does not stop the service: it starts unready (/readyz 503) and every query
 * answers 503 database_unavailable, with the error recorded on the query's span.
 */
export class EmbeddedDatabase {
  private constructor(
    /** The database's name, e.g. "users": db.namespace, and the word in error messages. */
    readonly name: string,
    private readonly db: DatabaseSync | undefined,
    private readonly latencyMs: number,
  ) {}

  /**
   * Opens (or creates) the file, ':memory:' for none, and runs `prepare` (schema, seed) on it.
   * `latencyMs` adds a simulated network round trip to every query, as a database server would
   * (embedded SQLite answers in microseconds, which would hide where time goes).
   */
  static open(name: string, path: string, prepare: (db: DatabaseSync) => void, { latencyMs = 0 } = {}): EmbeddedDatabase {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(path);
      prepare(db);
      return new EmbeddedDatabase(name, db, latencyMs);
    } catch (error) {
      if (db?.isOpen) db.close();
      log('error', 'database unavailable', { database: name, path, error: String(error) });
      return new EmbeddedDatabase(name, undefined, latencyMs);
    }
  }

  get isOpen(): boolean {
    return this.db?.isOpen ?? false;
  }

  close(): void {
    if (this.db?.isOpen) this.db.close();
  }

  /** Runs one query inside a span named for what it does, with the database conventions' attributes. */
  query<T>(spanName: string, query: Omit<QueryDescription, 'namespace'>, run: (db: DatabaseSync) => T): Promise<T> {
    return withSpan(spanName, dbSpanAttributes({ ...query, namespace: this.name }), async () => {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const db = this.db;
      if (!db?.isOpen) throw this.unavailable();
      try {
        return run(db);
      } catch (error) {
        log('error', 'query failed', { database: this.name, error: String(error) });
        throw this.unavailable();
      }
    });
  }

  private unavailable(): HttpError {
    return new HttpError(503, 'database_unavailable', `the ${this.name} database is unavailable`);
  }
}

export interface QueryDescription {
  /** SELECT, INSERT, ... */
  operation: string;
  /** The table. */
  collection: string;
  /** The parameterised SQL: placeholders, never values. */
  text: string;
  /** The database, e.g. "users". */
  namespace: string;
}

/** The stable database semantic-convention attributes of one query. */
export function dbSpanAttributes(query: QueryDescription): Attributes {
  return {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_SQLITE,
    [ATTR_DB_NAMESPACE]: query.namespace,
    [ATTR_DB_COLLECTION_NAME]: query.collection,
    [ATTR_DB_OPERATION_NAME]: query.operation,
    [ATTR_DB_QUERY_TEXT]: query.text,
  };
}

/** A small deterministic pseudo-random generator (mulberry32), so every start seeds the same rows. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** How many users the demo seeds; posts-service seeds posts for exactly these ids. */
export const DEMO_USER_COUNT = 50;
