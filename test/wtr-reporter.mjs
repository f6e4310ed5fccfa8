// Prints `N passed, N failed[, N skipped]` alone on a line so CI (and scripts/test.mjs) can read
// the browser suite's result; a test file that failed to load counts as one failure.
import { writeFileSync } from 'node:fs';

/** @returns {import('@web/test-runner').Reporter} */
export function summaryReporter() {
  return {
    stop({ sessions }) {
      let passed = 0;
      let failed = 0;
      let skipped = 0;
      /** @param {any} suite @returns {number} failures in this suite */
      const walk = (suite) => {
        let own = 0;
        for (const t of suite.tests) {
          if (t.skipped) skipped++;
          else if (t.passed) passed++;
          else own++;
        }
        for (const s of suite.suites) own += walk(s);
        return own;
      };
      for (const session of sessions) {
        const own = session.testResults ? walk(session.testResults) : 0;
        // A file that failed to load, or failed outside any test, still fails the run.
        failed += own === 0 && !session.passed ? 1 : own;
      }
      const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
      if (process.env.RV_SUMMARY_FILE) writeFileSync(process.env.RV_SUMMARY_FILE, JSON.stringify({ passed, failed, skipped }));
      console.log(`\nbrowser: ${line}`);
    },
  };
}
