/** The progress line's renderer, its throttle (on the TestClock) and the count of targets answered. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Scope, TestClock } from "effect"
import { answeredCounter, CLEAR_LINE, drawProgress, renderProgress } from "../../src/cli/Progress.ts"
import type { Target } from "../../src/domain/Target.ts"
import { passing } from "../../src/domain/Verdict.ts"
import { clearTransientLine } from "../../src/runtime/Log.ts"
import type { StatusSource } from "../../src/sources/StatusSource.ts"

const target = (repo: string, sources: Target["sources"] = { status: true, check_runs: true, check_suites: true }): Target => ({
  owner: "acme",
  repo,
  ref: "main",
  sources,
  failOn: ["failure"],
  tags: []
})

describe("renderProgress", () => {
  it("targets answered of all, requests, time so far", () => {
    expect(renderProgress({ answered: 120, total: 1000, requests: 360, elapsedMillis: 12_345 })).toBe(
      "github-ci-monitor: 120 of 1,000 targets answered, 360 GitHub requests, 12.3 s"
    )
    expect(renderProgress({ answered: 0, total: 1, requests: 1, elapsedMillis: 999 })).toBe(
      "github-ci-monitor: 0 of 1 target answered, 1 GitHub request, 999 ms"
    )
  })
})

describe("drawProgress", () => {
  it.effect("draws first after a second, then at most once a second, erased when a log line comes and when the cycle ends", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      let answered = 0
      const scope = yield* Scope.make()
      yield* drawProgress({ write: (text) => void written.push(text) }, (elapsedMillis) =>
        Effect.succeed({ answered, total: 4, requests: answered * 3, elapsedMillis })).pipe(Scope.extend(scope))
      yield* TestClock.adjust("999 millis")
      expect(written, "a cycle shorter than a second shows nothing").toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(written).toEqual([`${CLEAR_LINE}github-ci-monitor: 0 of 4 targets answered, 0 GitHub requests, 1.0 s`])
      answered = 2
      yield* TestClock.adjust("900 millis")
      expect(written, "not redrawn within the second").toHaveLength(1)
      yield* TestClock.adjust("100 millis")
      expect(written.at(-1)).toBe(`${CLEAR_LINE}github-ci-monitor: 2 of 4 targets answered, 6 GitHub requests, 2.0 s`)
      // A log line (src/runtime/Log.ts) erases the line first; the next tick draws it again.
      clearTransientLine()
      expect(written.at(-1)).toBe(CLEAR_LINE)
      yield* TestClock.adjust("1 second")
      expect(written.at(-1)).toBe(`${CLEAR_LINE}github-ci-monitor: 2 of 4 targets answered, 6 GitHub requests, 3.0 s`)
      const count = written.length
      yield* Scope.close(scope, Exit.void)
      expect(written.slice(count)).toEqual([CLEAR_LINE])
      yield* TestClock.adjust("10 seconds")
      expect(written, "nothing drawn after the cycle").toHaveLength(count + 1)
    }))
})

describe("answeredCounter", () => {
  it.effect("a target is answered once every source it enables has answered", () =>
    Effect.gen(function*() {
      const both = target("both", { status: true, check_runs: true, check_suites: false })
      const one = target("one", { status: true, check_runs: false, check_suites: false })
      const counter = yield* answeredCounter([both, one])
      const source = (id: StatusSource["id"]): StatusSource => ({
        id,
        batchSize: 1,
        check: (targets) => Effect.succeed(targets.map(() => Either.right(passing)))
      })
      const [status, checkRuns] = counter.wrap([source("status"), source("check_runs")])
      expect(counter.total).toBe(2)
      yield* status!.check([both, one])
      expect(yield* counter.answered).toBe(1)
      yield* checkRuns!.check([both])
      expect(yield* counter.answered).toBe(2)
      // An answer for a target twice (a retry) counts it once.
      yield* checkRuns!.check([both])
      expect(yield* counter.answered).toBe(2)
    }))
})
