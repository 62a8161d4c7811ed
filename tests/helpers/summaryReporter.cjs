// Prints one plain closing line, "N passed, N failed, N skipped", after jest's own summary,
// so that a CI log reader that does not know jest still finds the counts.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
