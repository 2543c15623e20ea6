// Adds up the JSON reports of vitest and Playwright into the one closing line CI reads.
import fs from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
const missing = [];
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    if (!file.includes('electron')) missing.push(file);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (r.numPassedTests !== undefined) {
    // vitest
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // a file that failed before any of its tests could (an import error, a hook) counts once; vitest's
    // numFailedTestSuites also counts each describe block above a failed test, so it is not used
    for (const f of r.testResults ?? []) {
      if (f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')) failed++;
    }
  } else if (r.stats) {
    // Playwright
    passed += (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected ?? 0;
    skipped += r.stats.skipped ?? 0;
    if (r.errors?.length) failed += r.errors.length;
  }
}
for (const m of missing) {
  console.log(`missing report: ${m} (that runner did not finish)`);
  failed++;
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
