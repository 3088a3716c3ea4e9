// Prints vitest's totals as one plain line ("vitest: N passed, N failed, N skipped") for CI log readers.
// A file that failed to load or a hook that timed out fails no test by itself, so failed suites count as failed
// too: a red run can never print "0 failed".
import { readFileSync } from 'node:fs';

const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = results.numPassedTests ?? 0;
const failedTests = results.numFailedTests ?? 0;
const failedSuites = results.numFailedTestSuites ?? 0;
const failedFiles = (results.testResults ?? []).filter((file) => file.status === 'failed').length;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
let failed = failedTests + failedSuites;
if (results.success === false && failed === 0) failed = 1;
console.log(`vitest files: ${failedFiles} failed of ${(results.testResults ?? []).length}; suites: ${failedSuites} failed; tests: ${failedTests} failed`);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
