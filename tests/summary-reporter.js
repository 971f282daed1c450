// Ends every jest run with one plain line that any CI can read: "jest: N passed, N failed, N skipped".
// With JEST_SUMMARY_FILE set, the line is also appended there (.ci/run prints it last).
const { appendFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite whose setup threw ran no test but failed all the same: count it.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `jest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.stdout.write(`\n${line}`);
    if (process.env.JEST_SUMMARY_FILE) appendFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}
module.exports = SummaryReporter;
