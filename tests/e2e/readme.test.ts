/** The README's waterfalls and log records are the contracts' data, rendered: this keeps the two in step. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAILURE_CONTRACTS,
  GRPC_FAULT_CONTRACTS,
  LOG_CONTRACTS,
  PAGE_CONTRACTS,
  renderLogRecords,
  renderWaterfall,
  TRACE_CONTRACTS,
} from './trace-contracts';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

test.each(Object.entries({ ...TRACE_CONTRACTS, ...GRPC_FAULT_CONTRACTS, ...PAGE_CONTRACTS, ...FAILURE_CONTRACTS }))(
  'README shows the %s contract as it is',
  (_name, contract) => {
    expect(readme).toContain(`\`\`\`\n${renderWaterfall(contract)}\n\`\`\``);
  },
);

test.each(Object.entries(LOG_CONTRACTS))('README shows the log records of the %s contract as they are', (_name, contract) => {
  expect(readme).toContain(`\`\`\`\n${renderLogRecords(contract)}\n\`\`\``);
});
