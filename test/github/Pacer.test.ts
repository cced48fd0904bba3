/**
 * GitHub's secondary limit: no rolling 60 s window holds more than the budget's points, a
 * request that could only go after the cycle's deadline is not sent, and a secondary-limit
 * answer pauses every request of that credential for as long as GitHub asks. On the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Fiber, TestClock } from "effect"
import { cycleDeadline, GitHubClient } from "../../src/github/GitHubClient.ts"
import { CombinedStatus } from "../../src/github/Schemas.ts"
import { makePacer, WINDOW_MILLIS } from "../../src/github/Pacer.ts"
import { gitHubClientLayer, scopedFakeGitHub } from "../support/GitHubClientLayer.ts"

/** The most starts found in any window of 60 s. */
const busiestWindow = (starts: ReadonlyArray<number>): number => {
  const sorted = [...starts].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= WINDOW_MILLIS) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

/** Waits in real time (the HTTP exchanges are real) until `condition` holds. */
const until = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    const started = Date.now()
    while (!(yield* condition)) {
      if (Date.now() - started > 5_000) return yield* Effect.die(new Error("timed out waiting"))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  })

describe("Pacer", () => {
  it.effect("10 requests at once with a budget of 4 a minute: 4 now, 4 a minute later, 2 after two; no window over 4", () =>
    Effect.gen(function*() {
      const pacer = yield* makePacer(4)
      const starts: Array<number> = []
      const fiber = yield* Effect.fork(Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        () => Effect.zipRight(pacer.take(undefined), Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => starts.push(t)))),
        { concurrency: "unbounded" }
      ))
      yield* TestClock.adjust("3 minutes")
      yield* Fiber.join(fiber)
      expect(starts.sort((a, b) => a - b)).toEqual([0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 120_000, 120_000])
      expect(busiestWindow(starts)).toBe(4)
    }))

  it.effect("a turn that would come after the deadline is refused at once, saying how long it would wait", () =>
    Effect.gen(function*() {
      const pacer = yield* makePacer(2)
      yield* pacer.take(undefined)
      yield* pacer.take(undefined)
      const refused = yield* Effect.flip(pacer.take(30_000))
      expect(refused.waitMillis).toBe(60_000)
      // Nothing was reserved by the refusal: the next turn is still a minute after the first.
      const fiber = yield* Effect.fork(pacer.take(undefined))
      yield* TestClock.adjust("60 seconds")
      expect(yield* Fiber.join(fiber)).toBe(60_000)
    }))

  it.effect("a pause holds every turn until it ends", () =>
    Effect.gen(function*() {
      const pacer = yield* makePacer(100)
      yield* pacer.pause(45_000)
      const fiber = yield* Effect.fork(pacer.take(undefined))
      yield* TestClock.adjust("44 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe(45_000)
    }))
})

describe("GitHubClient under the secondary limit", () => {
  const statusPath = (repo: string) => `/repos/acme/${repo}/commits/main/status`
  const green = { statuses: [{ context: "ci", state: "success" as const }] }

  it.scoped("rest_points_per_minute 3: six GETs go out 3 now and 3 a minute later", () =>
    Effect.gen(function*() {
      const gh = yield* scopedFakeGitHub({ repos: Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((r) => [`acme/${r}@main`, green])) })
      const client = yield* GitHubClient.pipe(
        Effect.provide(gitHubClientLayer(gh.url, "t0ken-for-the-pacer", { requestTimeout: "1 hour", restPointsPerMinute: 3 }))
      )
      const fiber = yield* Effect.fork(
        Effect.forEach(["a", "b", "c", "d", "e", "f"], (r) => client.get(statusPath(r), CombinedStatus), { concurrency: "unbounded" })
      )
      yield* until(Effect.sync(() => gh.requests.length >= 3))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
      expect(gh.requests).toHaveLength(3)
      yield* TestClock.adjust("60 seconds")
      const answers = yield* Fiber.join(fiber)
      expect(answers.map((a) => a.state)).toEqual(["success", "success", "success", "success", "success", "success"])
      expect(gh.requests).toHaveLength(6)
      expect((yield* client.stats).pacedMillis).toBe(3 * 60_000)
    }))

  it.scoped("a 403 \"secondary rate limit\" with retry-after 30 pauses the credential: the next target's request waits too", () =>
    Effect.gen(function*() {
      const gh = yield* scopedFakeGitHub({
        repos: { "acme/a@main": green, "acme/b@main": green },
        faults: {
          "acme/a@main:status": {
            status: 403,
            body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
            headers: { "retry-after": "30" },
            times: 1
          }
        }
      })
      const client = yield* GitHubClient.pipe(Effect.provide(gitHubClientLayer(gh.url, "t0ken-for-the-pacer", { requestTimeout: "1 hour" })))
      const first = yield* Effect.fork(client.get(statusPath("a"), CombinedStatus).pipe(Effect.locally(cycleDeadline, 120_000)))
      yield* until(TestClock.sleeps().pipe(Effect.map(Chunk.some((t) => t === 30_000))))
      const second = yield* Effect.fork(client.get(statusPath("b"), CombinedStatus).pipe(Effect.locally(cycleDeadline, 120_000)))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
      expect(gh.requests.map((r) => r.path)).toEqual([statusPath("a")])
      yield* TestClock.adjust("30 seconds")
      expect((yield* Fiber.join(first)).state).toBe("success")
      expect((yield* Fiber.join(second)).state).toBe("success")
      expect(gh.requests.map((r) => r.path).sort()).toEqual([statusPath("a"), statusPath("a"), statusPath("b")])
    }))
})
