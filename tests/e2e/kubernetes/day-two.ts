/**
 * What the day-two suite does to a running release, and how it counts the cost: steady load
 * through the frontend's Service while one event (a rollout, a restart, a scale, a drain) happens,
 * then every answered request's trace read back from Jaeger.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { openLoop } from '@demo/load';
import { traceIdOf } from '../contract-matcher';
import { getTrace } from '../jaeger';
import { type ApiResponse, type ControlPlane, objectPath, waitFor } from './control-plane';
import type { Manifest } from './helm';
import { NODE_NAME } from './node';
import { isReady, listPods, NAMESPACE } from './real-cluster';

export type Workload = { kind: 'Deployment' | 'DaemonSet'; name: string };

export interface EventCost {
  event: string;
  requests: { sent: number; ok: number; failed: number };
  spans: { expected: number; found: number };
  /** whole: every expected span in Jaeger; partial: some; missing: none. */
  traces: { whole: number; partial: number; missing: number };
  eventS: number;
  failures?: string[];
  incompleteAnsweredS?: number[];
  incompleteSample?: string[];
}

export interface LoadPlan {
  frontendUrl: string;
  jaegerUrl: string;
  ratePerSec: number;
  /** Load before and after the event, so that its edges are measured too. */
  marginS: number;
  /** Request i's path, and how many spans its trace holds when nothing is lost. */
  request(i: number): { path: string; spans: number };
  /** How long to wait for the traces after the load ends. */
  tracesWithinMs: number;
}

/** Steady load while `event` runs, then the count of what got through. */
export async function costOf(name: string, plan: LoadPlan, event: () => Promise<unknown>): Promise<EventCost> {
  /** Each answered request's trace: the spans it should hold, and when it was answered (s after the event began). */
  const answered = new Map<string, { spans: number; atS: number }>();
  const failures: string[] = [];
  const stop = new AbortController();
  const eventStartsAt = Date.now() + plan.marginS * 1000;
  const load = openLoop((i) => `${plan.frontendUrl}${plan.request(i).path}`, plan.ratePerSec, 3600, {
    signal: stop.signal,
    onResponse: (i: number, status: number, headers: IncomingHttpHeaders) => {
      const traceId = traceIdIn(typeof headers.traceresponse === 'string' ? headers.traceresponse : null);
      if (status >= 200 && status < 300 && traceId)
        answered.set(traceId, { spans: plan.request(i).spans, atS: Math.round((Date.now() - eventStartsAt) / 100) / 10 });
      else if (failures.length < 5) failures.push(`${plan.request(i).path}: ${status}`);
    },
  });
  const started = Date.now();
  let eventS = 0;
  try {
    await sleep(plan.marginS * 1000);
    await event();
    eventS = Math.round((Date.now() - started) / 100 - plan.marginS * 10) / 10;
    await sleep(plan.marginS * 1000);
  } finally {
    stop.abort();
  }
  const result = await load;
  const found = await spansInJaeger(plan.jaegerUrl, answered, plan.tracesWithinMs);
  const traces = { whole: 0, partial: 0, missing: 0 };
  let expectedSpans = 0;
  let foundSpans = 0;
  const incomplete: { traceId: string; atS: number }[] = [];
  for (const [traceId, { spans, atS }] of answered) {
    const count = found.get(traceId) ?? 0;
    expectedSpans += spans;
    foundSpans += count;
    traces[count >= spans ? 'whole' : count > 0 ? 'partial' : 'missing']++;
    if (count < spans) incomplete.push({ traceId, atS });
  }
  const failed = result.non2xx + result.errors;
  return {
    event: name,
    requests: { sent: result.ok + failed, ok: result.ok, failed },
    spans: { expected: expectedSpans, found: foundSpans },
    traces,
    eventS,
    ...(failed > 0 ? { failures: [...failures, ...result.errorSamples].slice(0, 5) } : {}),
    // When the incomplete traces' requests were answered, and the first few, to look up.
    ...(incomplete.length > 0
      ? {
          incompleteAnsweredS: [Math.min(...incomplete.map((trace) => trace.atS)), Math.max(...incomplete.map((trace) => trace.atS))],
          incompleteSample: incomplete.slice(0, 3).map((trace) => trace.traceId),
        }
      : {}),
  };
}

/**
 * Waits until a round of requests comes back whole from Jaeger, so that every replica's exporter
 * is delivering before the first event; returns how long that took. A pod that started before
 * its node's agent was Ready gets there a moment later (ReconnectingExporter in the bootstrap).
 */
export async function everyReplicaExporting(plan: LoadPlan, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const answered = new Map<string, { spans: number }>();
    for (let i = 0; i < 20; i++) {
      const request = plan.request(i);
      const response = await fetch(`${plan.frontendUrl}${request.path}`);
      const traceId = traceIdIn(response.headers.get('traceresponse'));
      if (response.ok && traceId) answered.set(traceId, { spans: request.spans });
    }
    const found = await spansInJaeger(plan.jaegerUrl, answered, 10_000);
    if (answered.size === 20 && [...answered].every(([traceId, { spans }]) => (found.get(traceId) ?? 0) >= spans)) {
      return (Date.now() - started) / 1000;
    }
  }
  throw new Error(`not every replica's spans reached Jaeger within ${timeoutMs} ms`);
}

/** The trace id of an answer's traceresponse header; none where it lacks a valid one (counted as a failure). */
function traceIdIn(traceresponse: string | null): string | undefined {
  try {
    return traceIdOf(traceresponse);
  } catch {
    return undefined;
  }
}

/** Each trace's span count in Jaeger, polled until every trace is whole or the time is up. */
async function spansInJaeger(jaegerUrl: string, expected: Map<string, { spans: number }>, withinMs: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const deadline = Date.now() + withinMs;
  let pending = [...expected.keys()];
  while (pending.length > 0) {
    for (const traceId of pending) {
      // Jaeger restarting, or slow under the load: the trace is read again on the next round.
      const spans = await getTrace(jaegerUrl, traceId).catch(() => undefined);
      if (spans) found.set(traceId, new Set(spans.map((span) => span.spanId)).size);
    }
    pending = pending.filter((traceId) => (found.get(traceId) ?? 0) < (expected.get(traceId)?.spans ?? 0));
    if (Date.now() > deadline) break;
    if (pending.length > 0) await sleep(2_000);
  }
  return found;
}

/** `kubectl rollout restart`: a new annotation on the pod template, then the rollout awaited. */
export async function rolloutRestart(cluster: ControlPlane, workload: Workload): Promise<void> {
  const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } };
  await patchOrThrow(cluster, objectPath('apps/v1', workload.kind, NAMESPACE, workload.name), patch);
  await rolledOut(cluster, workload);
}

/** `kubectl delete pod` of each of the workload's pods, then its replacements Ready. */
export async function deletePods(cluster: ControlPlane, workload: Workload): Promise<void> {
  for (const pod of await listPods(cluster, workload.name)) {
    const response = await cluster.call('DELETE', objectPath('v1', 'Pod', NAMESPACE, pod.metadata.name));
    if (response.status !== 200) throw new Error(`DELETE pod ${pod.metadata.name}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  await rolledOut(cluster, workload);
}

/** `kubectl scale`, then the new replicas Ready and the old ones gone. */
export async function scale(cluster: ControlPlane, name: string, replicas: number): Promise<void> {
  await patchOrThrow(cluster, objectPath('apps/v1', 'Deployment', NAMESPACE, name), { spec: { replicas } });
  await rolledOut(cluster, { kind: 'Deployment', name });
}

/** `kubectl rollout status`, and then no pod of the workload left terminating. */
export async function rolledOut(cluster: ControlPlane, { kind, name }: Workload, timeoutMs = 240_000): Promise<void> {
  await waitFor(`${kind} ${name} rolled out`, timeoutMs, async () => {
    const { body } = await cluster.call('GET', objectPath('apps/v1', kind, NAMESPACE, name));
    const status = body.status ?? {};
    if ((status.observedGeneration ?? 0) < body.metadata.generation) return false;
    const done =
      kind === 'Deployment'
        ? status.updatedReplicas === body.spec.replicas &&
          status.availableReplicas === body.spec.replicas &&
          status.replicas === body.spec.replicas
        : status.updatedNumberScheduled === status.desiredNumberScheduled &&
          status.numberAvailable === status.desiredNumberScheduled &&
          (status.numberUnavailable ?? 0) === 0;
    if (!done) return false;
    const desired = kind === 'Deployment' ? body.spec.replicas : status.desiredNumberScheduled;
    return allServing(await listPods(cluster, name), desired);
  });
}

/** Exactly `count` pods, each Ready and none terminating. */
function allServing(pods: Manifest[], count: number): boolean {
  return pods.length === count && pods.every((pod) => isReady(pod) && !pod.metadata.deletionTimestamp);
}

export interface DrainResult {
  evicted: string[];
  /** Pods a PodDisruptionBudget kept (429 until the drain gave up). */
  keptByBudget: string[];
}

/**
 * `kubectl drain` on the only node, as far as one node allows: cordon, then evict every pod but
 * the DaemonSet's through the Eviction API, retrying what a PodDisruptionBudget refuses until
 * `giveUpAfterMs`; then uncordon, and wait until `podCount` pods are Ready again.
 */
export async function drainAndUncordon(cluster: ControlPlane, giveUpAfterMs: number, podCount: number): Promise<DrainResult> {
  await setUnschedulable(cluster, true);
  const result: DrainResult = { evicted: [], keptByBudget: [] };
  try {
    const pods = await listPods(cluster);
    const evictable = pods.filter((pod) => !pod.metadata.ownerReferences?.some((owner: { kind: string }) => owner.kind === 'DaemonSet'));
    const deadline = Date.now() + giveUpAfterMs;
    let left = evictable.map((pod) => pod.metadata.name);
    while (left.length > 0 && Date.now() < deadline) {
      const refused: string[] = [];
      for (const name of left) {
        const response = await evict(cluster, name);
        if (response.status === 429) refused.push(name);
        else if (response.status < 300 || response.status === 404) result.evicted.push(name);
        else throw new Error(`evicting ${name}: ${response.status} ${JSON.stringify(response.body)}`);
      }
      left = refused;
      if (left.length > 0) await sleep(5_000);
    }
    result.keptByBudget = left;
  } finally {
    await setUnschedulable(cluster, false);
  }
  await waitFor('every pod back and Ready after the uncordon', 300_000, async () => allServing(await listPods(cluster), podCount));
  return result;
}

function evict(cluster: ControlPlane, pod: string): Promise<ApiResponse> {
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NAMESPACE } };
  return cluster.call('POST', `${objectPath('v1', 'Pod', NAMESPACE, pod)}/eviction`, eviction);
}

async function setUnschedulable(cluster: ControlPlane, unschedulable: boolean): Promise<void> {
  await patchOrThrow(cluster, `/api/v1/nodes/${NODE_NAME}`, { spec: { unschedulable } });
}

async function patchOrThrow(cluster: ControlPlane, path: string, patch: unknown): Promise<void> {
  const response = await cluster.call('PATCH', path, patch, 'application/merge-patch+json');
  if (response.status !== 200) throw new Error(`PATCH ${path}: ${response.status} ${JSON.stringify(response.body)}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
