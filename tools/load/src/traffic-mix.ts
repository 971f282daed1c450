/**
 * What `pnpm load` sends: a modest, fixed mix, so that after `docker compose up` Jaeger's Monitor
 * tab, its dependency graph and the log store show something alive. Request i of the mix is
 * decided by i alone (no randomness), so a run of a given length sends known proportions.
 */
export interface TrafficMix {
  /** Every this-many requests, one for an unknown user (a 404, posts-service never called). */
  unknownUserEvery: number;
  /** Every this-many requests, one with a fault, taking turns through `faults`. */
  faultEvery: number;
  faults: readonly string[];
  /** Known users are picked from 1 to this. */
  users: number;
}

export const DEFAULT_MIX: TrafficMix = {
  unknownUserEvery: 10,
  faultEvery: 20,
  faults: ['posts-service:delay=300ms', 'posts-service:error=503'],
  users: 50,
};

/**
 * Request i's path. The transports take turns, and each block of `faultEvery` requests starts on
 * the other one than the block before, so that the faults (one a block) take turns as well.
 */
export function mixPath(i: number, mix: TrafficMix = DEFAULT_MIX): string {
  const block = Math.floor(i / mix.faultEvery);
  const transport = (i + block) % 2 === 0 ? 'http' : 'grpc';
  const params = new URLSearchParams({ transport });
  // Offsets keep the two kinds of special request apart (they never fall on the same i).
  if (i % mix.faultEvery === mix.faultEvery - 1) {
    params.set('fault', mix.faults[Math.floor(block / 2) % mix.faults.length] as string);
  }
  const unknown = i % mix.unknownUserEvery === Math.floor(mix.unknownUserEvery / 2);
  const userId = unknown ? 999_999 : (i % mix.users) + 1;
  return `/api/users/${userId}?${params}`;
}
