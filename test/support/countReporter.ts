import type { Reporter, TestModule } from "vitest/node"

/**
 * Prints `N passed, N failed` as the very last line of the run, so CI can count the tests
 * whatever the default reporter printed before it.
 */
export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) failed++
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`)
  }
}
