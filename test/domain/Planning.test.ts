/**
 * The cycle's planning and its bounds (issue 15, item 8): splitting 100,000 targets into batches
 * is linear, so the first source call comes within 2 s of the cycle's start (it was quadratic:
 * 40,000 targets waited 119 s); the deadline counts from the cycle's start, time spent before
 * `runCycle` included; a `stop` ends the asking like the deadline; and messages are scrubbed
 * where the checks are made, so every sink gets scrubbed text.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Layer } from "effect"
import { registerSecret } from "../../src/domain/Scrub.ts"
import type { Target } from "../../src/domain/Target.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"
import { failing, passing, unknown } from "../../src/domain/Verdict.ts"
import type { CycleOptions } from "../../src/monitor.ts"
import { runCycle } from "../../src/monitor.ts"
import type { ServiceCheck } from "../../src/sinks/Sink.ts"
import { Sink } from "../../src/sinks/Sink.ts"
import type { SourceResult, StatusSource } from "../../src/sources/StatusSource.ts"
import { StatusSources } from "../../src/sources/StatusSource.ts"

const targetsOf = (n: number): ReadonlyArray<Target> =>
  Array.from({ length: n }, (_, i) => ({
    owner: "acme",
    repo: `repo-${i}`,
    ref: "main",
    sources: { status: true, check_runs: true, check_suites: true },
    failOn: defaultFailOn,
    tags: []
  }))

const options: CycleOptions = {
  checkName: "ci.ok",
  selfCheckName: "github_ci_monitor.up",
  hostName: "test",
  failingStatus: 1,
  globalTags: [],
  concurrency: 10
}

/** A sink that keeps what it was given. */
const keeping = () => {
  const delivered: ServiceCheck[] = []
  const layer = Layer.succeed(Sink, Sink.of({
    deliver: (checks) => Effect.sync(() => {
      delivered.push(...checks)
      return { destination: "test", delivered: checks.length, failures: [] }
    })
  }))
  return { delivered, layer }
}

/** Three per-target sources (as the REST ones are) answering with `answer`. */
const sources = (answer: (t: Target) => Effect.Effect<SourceResult>) =>
  Layer.succeed(
    StatusSources,
    (["status", "check_runs", "check_suites"] as const).map((id): StatusSource => ({
      id,
      batchSize: 1,
      check: (batch) => Effect.forEach(batch, answer)
    }))
  )

/** Milliseconds from the start of a cycle over `n` targets to its first source call. */
const timeToFirstCall = (n: number) =>
  Effect.gen(function*() {
    const targets = targetsOf(n)
    const first = yield* Deferred.make<number>()
    const sink = keeping()
    const started = Date.now()
    const cycle = yield* runCycle(targets, options).pipe(
      Effect.provide(Layer.merge(
        sources(() => Deferred.succeed(first, Date.now()).pipe(Effect.as(Either.right(passing)))),
        sink.layer
      )),
      Effect.fork
    )
    const at = yield* Deferred.await(first)
    // The rest (3 answers per target) is not what this test is about.
    yield* Fiber.interrupt(cycle)
    return at - started
  })

describe("runCycle: planning", () => {
  it.live("100,000 targets: the first source call comes within 2 s of the cycle's start", () =>
    Effect.gen(function*() {
      // 20,000 first: quadratic planning blocks the thread (no timeout can fire) for 14 s there,
      // then fails; at 100,000 it would block for many minutes.
      expect(yield* timeToFirstCall(20_000), "20,000 targets: time to the first source call").toBeLessThan(2_000)
      expect(yield* timeToFirstCall(100_000), "100,000 targets: time to the first source call").toBeLessThan(2_000)
    }), 60_000)

  it.live("the deadline counts from `startedAt`: a cycle whose time was spent before it asks nothing, and still sends every check", () =>
    Effect.gen(function*() {
      let calls = 0
      const sink = keeping()
      const result = yield* runCycle(targetsOf(3), { ...options, deadline: "1 second", startedAt: Date.now() - 5_000 }).pipe(
        Effect.provide(Layer.merge(
          sources(() => Effect.sync(() => calls++).pipe(Effect.zipRight(Effect.never))),
          sink.layer
        ))
      )
      expect(result.counts).toEqual({ ok: 0, failing: 0, unknown: 3 })
      expect(sink.delivered).toHaveLength(4)
      expect(result.results[0]?.check.message).toMatch(/no answer from GitHub before the cycle's deadline/)
    }))

  it.live("`stop` ends the asking: the answers in are kept, the others are unknown, every check is sent", () =>
    Effect.gen(function*() {
      const stop = yield* Deferred.make<void>()
      const sink = keeping()
      const targets = targetsOf(4)
      const fiber = yield* runCycle(targets, { ...options, stop: Deferred.await(stop) }).pipe(
        Effect.provide(Layer.merge(
          // repo-0 answers; the others never do.
          sources((t) => t.repo === "repo-0" ? Effect.succeed(Either.right(passing)) : Effect.never),
          sink.layer
        )),
        Effect.fork
      )
      yield* Effect.sleep("100 millis")
      yield* Deferred.succeed(stop, undefined)
      const result = yield* Fiber.join(fiber)
      expect(result.counts).toEqual({ ok: 1, failing: 0, unknown: 3 })
      expect(sink.delivered).toHaveLength(5)
      expect(result.results[1]?.check.message).toMatch(/before the monitor was stopped/)
    }))
})

describe("runCycle: scrubbed where the checks are made", () => {
  it.effect("a secret a source echoes, in any case, reaches no check, verdict or self-check", () =>
    Effect.gen(function*() {
      const secret = "PlanningSecretValue0123456789"
      registerSecret(secret)
      const sink = keeping()
      const result = yield* runCycle(targetsOf(2), options).pipe(
        Effect.provide(Layer.merge(
          sources((t) =>
            Effect.succeed(
              t.repo === "repo-0"
                ? Either.right(failing([{ name: `deploy ${secret.toLowerCase()}`, conclusion: "failure", url: `https://x/?t=${secret}` }]))
                : Either.right(unknown("unauthorized", `Bad credentials: Bearer ${secret.toUpperCase()}`))
            )
          ),
          sink.layer
        ))
      )
      const everything = JSON.stringify({ delivered: sink.delivered, results: result.results, self: result.selfCheck }).toLowerCase()
      expect(everything).not.toContain(secret.toLowerCase())
      expect(everything).toContain("[redacted]")
    }))
})
