import { DatabaseSync } from 'node:sqlite';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';

// `sqlite` is still an incubating value of db.system.name; semconv advises copying such
// constants rather than importing the unstable entry point.
const DB_SYSTEM_NAME_SQLITE = 'sqlite';

/** Opens (or creates) an embedded SQLite database; ':memory:' keeps it in the process. */
export function openDatabase(path: string): DatabaseSync {
  return new DatabaseSync(path);
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
