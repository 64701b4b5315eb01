// Jest reporter that leaves the run's totals in $LOGQ_TEST_RESULTS (one JSON
// file per jest run), so that tooling/test.mjs can print one closing line for
// the whole workspace.
const { writeFileSync, mkdirSync } = require('node:fs');
const { join, basename } = require('node:path');

// Strips ANSI colours, so the closing summary reads the same in any log.
const plain = (text) => String(text).replace(/\u001b\[[0-9;]*m/g, '');

/** Each failed test (or suite that failed to run): its file, its name and the first lines of its error. */
function failuresOf(results) {
  const failures = [];
  for (const suite of results.testResults) {
    const file = suite.testFilePath.slice(process.cwd().length + 1);
    if (suite.testExecError)
      failures.push({
        file,
        test: '(suite failed to run)',
        error: plain(suite.testExecError.message).split('\n').slice(0, 12).join('\n'),
      });
    for (const test of suite.testResults) {
      if (test.status !== 'failed') continue;
      failures.push({
        file,
        test: test.fullName,
        error: plain(test.failureMessages.join('\n')).split('\n').slice(0, 12).join('\n'),
      });
    }
  }
  return failures;
}

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
        failures: failuresOf(results),
      }),
    );
  }
}
module.exports = SummaryReporter;
