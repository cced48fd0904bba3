import type { Reporter, TestModule } from "vitest/node"

/**
 * Prints `N passed, N failed` as the very last line of the run, so CI can count the tests
 * whatever the default reporter printed before it (its summary comes in `onFinished`, so this
 * reporter, listed after it, prints there too).
 */
export default class CountReporter implements Reporter {
  private modules: ReadonlyArray<TestModule> = []

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    this.modules = testModules
  }

  onFinished(): void {
    let passed = 0
    let failed = 0
    for (const module of this.modules) {
      const tests = [...module.children.allTests()]
      for (const test of tests) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === "failed" && tests.length === 0) failed++
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`)
  }
}
