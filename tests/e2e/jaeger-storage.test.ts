/**
 * Persistent traces: Jaeger keeps them in Badger by default, so they outlive a restart of Jaeger
 * and of the whole stack on the same data folder (what `pnpm demo` does across runs). The
 * in-memory store stays a switch, and loses them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { getTrace, waitForTrace } from './jaeger';
import { TRACE_CONTRACTS } from './trace-contracts';

const SPANS = TRACE_CONTRACTS.userWithPosts.spans.length;

async function storedTrace(stack: Stack): Promise<string> {
  const response = await fetch(`${stack.frontendUrl}${TRACE_CONTRACTS.userWithPosts.path}`);
  expect(response.status).toBe(200);
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  await waitForTrace(stack.jaegerUrl, traceId, SPANS);
  return traceId;
}

async function restartJaeger(stack: Stack): Promise<void> {
  await stack.process('jaeger').stop();
  await stack.start('jaeger');
}

test('Badger (the default): a trace stored before Jaeger restarts is returned after', async () => {
  const stack = await Stack.start({ ports: 'free' });
  try {
    const traceId = await storedTrace(stack);
    await restartJaeger(stack);
    expect(await getTrace(stack.jaegerUrl, traceId)).toHaveLength(SPANS);
  } finally {
    await stack.stop();
  }
});

test("the whole stack stopped and started again on the same data folder (pnpm demo's .cache/data) keeps it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'demo-data-'));
  try {
    const first = await Stack.start({ ports: 'free', dataDir });
    const traceId = await storedTrace(first).finally(() => first.stop());
    const second = await Stack.start({ ports: 'free', dataDir });
    try {
      expect(await getTrace(second.jaegerUrl, traceId)).toHaveLength(SPANS);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('JAEGER_TRACE_STORAGE=in_memory: the same restart forgets the trace', async () => {
  const stack = await Stack.start({ ports: 'free', jaegerEnv: { JAEGER_TRACE_STORAGE: 'in_memory' } });
  try {
    const traceId = await storedTrace(stack);
    await restartJaeger(stack);
    expect(await getTrace(stack.jaegerUrl, traceId)).toEqual([]);
  } finally {
    await stack.stop();
  }
});
