/**
 * The waterfalls and log records on the pages are the contracts' data, rendered: this keeps the two
 * in step. The README shows one waterfall, compose's; docs/trace-contract.md every HTTP and page
 * contract; docs/grpc.md the gRPC path's faults, failures, page click and log records;
 * docs/messaging.md the view events; docs/logs-and-metrics.md the HTTP log records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMatrix } from './conformance/matrix';
import {
  EVENT_CONTRACTS,
  EVENT_LOG_CONTRACTS,
  FAILURE_CONTRACTS,
  GRPC_FAULT_CONTRACTS,
  LOG_CONTRACTS,
  type LogContract,
  PAGE_CONTRACTS,
  renderLogRecords,
  renderWaterfall,
  TRACE_CONTRACTS,
  type TraceContract,
} from './trace-contracts';

const read = (path: string) => readFileSync(join(__dirname, '../..', path), 'utf8');
const block = (text: string) => `\`\`\`\n${text}\n\`\`\``;

const { postsServiceDownOverGrpc, ...httpFailures } = FAILURE_CONTRACTS;
const { userWithPostsOverGrpcFromPage, ...httpPage } = PAGE_CONTRACTS;
const { userWithPostsOverGrpc: grpcLog, injectedUnavailableOverGrpc: grpcFaultLog, ...httpLogs } = LOG_CONTRACTS;

const WATERFALLS: Record<string, Record<string, TraceContract>> = {
  'README.md': { viewRecordedAlone: EVENT_CONTRACTS.viewRecordedAlone },
  'docs/trace-contract.md': { ...TRACE_CONTRACTS, ...httpPage, ...httpFailures },
  'docs/messaging.md': EVENT_CONTRACTS,
  'docs/grpc.md': { ...GRPC_FAULT_CONTRACTS, postsServiceDownOverGrpc, userWithPostsOverGrpcFromPage },
};
const LOG_RECORDS: Record<string, Record<string, LogContract>> = {
  'docs/logs-and-metrics.md': httpLogs,
  'docs/grpc.md': { userWithPostsOverGrpc: grpcLog, injectedUnavailableOverGrpc: grpcFaultLog },
  'docs/messaging.md': EVENT_LOG_CONTRACTS,
};

describe.each(Object.entries(WATERFALLS))('%s', (path, contracts) => {
  test.each(Object.entries(contracts))('shows the %s contract as it is', (_name, contract) => {
    expect(read(path)).toContain(block(renderWaterfall(contract)));
  });
});

describe.each(Object.entries(LOG_RECORDS))('%s', (path, contracts) => {
  test.each(Object.entries(contracts))('shows the log records of the %s contract as they are', (_name, contract) => {
    expect(read(path)).toContain(block(renderLogRecords(contract)));
  });
});

test('every contract is shown somewhere', () => {
  const shown = new Set([...Object.values(WATERFALLS), ...Object.values(LOG_RECORDS)].flatMap((group) => Object.values(group)));
  const all = [
    TRACE_CONTRACTS,
    GRPC_FAULT_CONTRACTS,
    PAGE_CONTRACTS,
    FAILURE_CONTRACTS,
    EVENT_CONTRACTS,
    LOG_CONTRACTS,
    EVENT_LOG_CONTRACTS,
  ].flatMap((group) => Object.values(group));
  expect(all.filter((contract) => !shown.has(contract)).map((contract) => contract.description)).toEqual([]);
});

test('docs/bootstrap.md shows the bootstrap conformance matrix as matrix.ts holds it', () => {
  expect(read('docs/bootstrap.md')).toContain(renderMatrix());
});
