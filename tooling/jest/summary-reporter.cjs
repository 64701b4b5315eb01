// Jest reporter that leaves the run's totals in $LOGQ_TEST_RESULTS (one JSON
// file per jest run), so that tooling/test.mjs can print one closing line for
// the whole workspace.
const { writeFileSync, mkdirSync } = require('node:fs');
const { join, basename } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.LOGQ_TEST_RESULTS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const name = `${basename(process.cwd())}-${process.pid}.json`;
    writeFileSync(
      join(dir, name),
      JSON.stringify({
        package: basename(process.cwd()),
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}
module.exports = SummaryReporter;
