/** The README's waterfalls are the contract's data, rendered: this keeps the two in step. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CONTRACTS, PAGE_CONTRACTS, renderWaterfall, TRACE_CONTRACTS } from './trace-contracts';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

test.each(Object.entries({ ...TRACE_CONTRACTS, ...PAGE_CONTRACTS, ...FAILURE_CONTRACTS }))(
  'README shows the %s contract as it is',
  (_name, contract) => {
    expect(readme).toContain(`\`\`\`\n${renderWaterfall(contract)}\n\`\`\``);
  },
);
