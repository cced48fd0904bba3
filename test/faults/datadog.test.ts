/**
 * Fault injection on the Datadog side: the real CLI (`run --once`) against a healthy fake GitHub
 * and a fake Datadog playing scripted faults. Every check is delivered exactly once when
 * Datadog recovers, the exit code says whether all were, stderr names what was not, and the key
 * is never printed. The sink's retries and timeouts are also driven with the TestClock.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import type { DatadogConfigShape } from "../../src/sinks/Datadog.ts"
import { DatadogConfig, DatadogSink } from "../../src/sinks/Datadog.ts"
import type { ServiceCheck } from "../../src/sinks/Sink.ts"
import { Sink } from "../../src/sinks/Sink.ts"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import { listen } from "../support/http.ts"
import type { Fault } from "../support/FakeDatadog.ts"
import type { RefSpec } from "../support/FakeGitHub.ts"
import { cli, config, cycleMs, delivered, env, green, KEY, keyOf, red, repo, useServers } from "./support.ts"

const { github, datadog, keep } = useServers()

const targets = [repo("acme/green@main"), repo("acme/red@main"), repo("acme/other@main")]
const repos: Record<string, RefSpec> = { "acme/green@main": green, "acme/red@main": red, "acme/other@main": green }
const posts = (dd: { requests: ReadonlyArray<{ method: string }> }) => dd.requests.filter((r) => r.method === "POST").length

/** One `run --once` of `targets` against a healthy fake GitHub, sending to a fake Datadog playing `faults`. */
const runOnce = async (
  faults: ReadonlyArray<Fault>,
  options: { readonly targets?: ReadonlyArray<ReturnType<typeof repo>>; readonly key?: string; readonly timeoutMs?: number } = {}
) => {
  const list = options.targets ?? targets
  const gh = await github({ repos: options.targets ? Object.fromEntries(list.map((t) => [keyOf(t), green])) : repos })
  const dd = await datadog({ faults: [...faults] })
  const result = await cli(["run", "--once", "--config", config({ repos: list })], {
    env: { ...env(gh.url, dd.url), ...(options.key === undefined ? {} : { DD_API_KEY: options.key }) },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  })
  return { result, dd, gh }
}

/** The stderr line naming the checks that were not delivered. */
const notDelivered = (stderr: string) => /^github-ci-monitor: error: (\d+) checks? NOT delivered \(([^)]*)\): (.*)$/m.exec(stderr)

describe.concurrent("Datadog faults through the real CLI", () => {
  it("500 then 202 on one of two batches: retried, exit 0, all 151 checks delivered exactly once", async () => {
    const many = Array.from({ length: 150 }, (_, i) => repo(`acme/r${String(i).padStart(3, "0")}@main`, { status: true }))
    const { result, dd } = await runOnce([{ status: 500, body: { errors: ["Internal Server Error"] }, times: 1 }], { targets: many })
    expect(result.code, result.stderr).toBe(0)
    delivered(dd.checks, many)
    expect(dd.checks).toHaveLength(151)
    // Two batches of at most 100, one of them twice.
    expect(posts(dd)).toBe(3)
    expect(result.stderr).toMatch(/sent 151 of 151 checks to Datadog/)
    expect(notDelivered(result.stderr)).toBeNull()
  })

  it("502 forever: exit 1, stderr names every undelivered check, three tries", async () => {
    const { result, dd } = await runOnce([{ status: 502, body: { errors: ["Bad Gateway"] }, times: 1_000 }])
    expect(result.code, result.stderr).toBe(1)
    expect(dd.checks).toEqual([])
    expect(posts(dd)).toBe(3)
    expect(result.stderr).toMatch(/sent 0 of 4 checks to Datadog/)
    const line = notDelivered(result.stderr)
    expect(line, result.stderr).not.toBeNull()
    expect(line?.[1]).toBe("4")
    expect(line?.[2]?.split(", ").sort()).toEqual(["acme/green@main", "acme/other@main", "acme/red@main", "github_ci_monitor.up"])
    expect(line?.[3]).toMatch(/^Datadog answered 502/)
  })

  it("429 then 202: retried, exit 0, every check delivered once", async () => {
    const { result, dd } = await runOnce([{ status: 429, body: { errors: ["Too many requests"] }, headers: { "retry-after": "1" }, times: 1 }])
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, targets)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/other@main": 0 })
    expect(posts(dd)).toBe(2)
  })

  it("403 (a key Datadog rejects): exit 1 at once, one request, a clear message that never shows the key", async () => {
    const { result, dd } = await runOnce([
      { status: 403, body: { errors: [`Forbidden: API key ${KEY} is not valid`] }, times: 1_000 }
    ])
    expect(result.code, result.stderr).toBe(1)
    // No retry, so no backoff: the cycle ends as soon as Datadog has said no.
    expect(posts(dd)).toBe(1)
    expect(cycleMs(result.stderr)).toBeLessThan(5_000)
    expect(notDelivered(result.stderr)?.[3]).toMatch(/^Datadog rejected the API key \(403\); check DD_API_KEY/)
  })

  it("a wrong key: 403 from the intake, exit 1, the wrong key is not printed either", async () => {
    const wrong = "wrongddkey0123456789abcdefnotprinted"
    const { result, dd } = await runOnce([], { key: wrong })
    expect(result.code, result.stderr).toBe(1)
    expect(posts(dd)).toBe(1)
    expect(dd.checks).toEqual([])
    expect(result.stderr).toMatch(/rejected the API key/)
    expect(result.stdout + result.stderr).not.toContain(wrong)
  })

  it("a Datadog that never answers: exit 1 within a bounded time (three 10 s timeouts), the checks named", { timeout: 70_000 }, async () => {
    const { result, dd } = await runOnce([{ status: 0, times: 1_000 }], { timeoutMs: 60_000 })
    expect(result.code, result.stderr).toBe(1)
    // 3 × 10 s timeouts plus the backoff between them, and the GitHub part: 30-32 s on a quiet
    // machine, 34 s of process beside `npm run test:busy`'s burners. Bounded is what is asserted
    // (not a wait for ever), with room for a loaded machine.
    expect(cycleMs(result.stderr)).toBeGreaterThanOrEqual(29_000)
    expect(cycleMs(result.stderr)).toBeLessThan(45_000)
    expect(posts(dd)).toBe(3)
    expect(notDelivered(result.stderr)?.[3]).toBe("Datadog did not answer within 10s")
  })

  it("a redirect from the intake (307 to another host) is not followed: the key never goes there, and the checks are reported undelivered at once, saying why", async () => {
    const elsewhere: Array<Record<string, string | string[] | undefined>> = []
    const other = keep(await listen((req, res) => {
      elsewhere.push(req.headers)
      res.writeHead(202, { "content-type": "application/json" }).end("{\"status\":\"ok\"}")
    }))
    const { result, dd } = await runOnce([{ status: 307, headers: { location: `${other.url}/api/v1/check_run` }, times: 1_000 }])
    expect(elsewhere).toEqual([])
    expect(result.code, result.stderr).toBe(1)
    expect(dd.checks).toEqual([])
    expect(posts(dd)).toBe(1)
    expect(notDelivered(result.stderr)?.[3]).toBe(
      `Datadog redirected (307) to ${other.url}/api/v1/check_run: not followed, the API key goes to ${new URL(dd.url).host} only; ` +
        "set DD_SITE or DD_API_URL to the intake's address"
    )
  })

  it("a 502 whose body echoes the key (a reflecting proxy): stderr never shows the key", async () => {
    // `cli` fails the test if the key reaches stdout or stderr.
    const { result } = await runOnce([{ status: 502, body: `bad gateway; request headers: DD-API-KEY: ${KEY}`, times: 1_000 }])
    expect(result.code, result.stderr).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------
// The sink under the TestClock.

const sinkAt = (apiUrl: string, overrides: Partial<DatadogConfigShape> = {}) =>
  Sink.pipe(
    Effect.provide(
      DatadogSink.pipe(
        Layer.provide(Layer.succeed(DatadogConfig, {
          apiUrl,
          apiKey: Redacted.make(KEY),
          requestTimeout: "10 seconds",
          batchSize: 2,
          userAgent: "github-ci-monitor-faults",
          ...overrides
        })),
        Layer.provide(FetchHttpClient.layer)
      )
    )
  )
const fakeDatadog = (faults: ReadonlyArray<Fault>) =>
  Effect.acquireRelease(Effect.promise(() => startFakeDatadog({ apiKey: KEY, faults: [...faults] })), (dd) => Effect.promise(() => dd.close()))

const checks: ReadonlyArray<ServiceCheck> = ["a", "b", "c"].map((name) => ({
  check: "ci.ok",
  host_name: "h",
  status: 0,
  tags: [`owner:acme`, `repo:${name}`, "ref:main"],
  message: `CI passing on acme/${name}@main`,
  timestamp: 1
}))
const pause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))

/** Moves the clock a second at a time until the fiber is done. */
const driveToEnd = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, steps = 60) =>
  Effect.gen(function*() {
    for (let i = 0; i < steps && Option.isNone(yield* Fiber.poll(fiber)); i++) {
      yield* pause
      yield* TestClock.adjust("1 second")
    }
    return yield* Fiber.join(fiber)
  })

describe("DatadogSink faults under the TestClock", () => {
  it.scoped("500, 500, then 202: delivered after two retries on the clock, each check once", () =>
    Effect.gen(function*() {
      const dd = yield* fakeDatadog([{ status: 500, times: 2 }])
      const sink = yield* sinkAt(dd.url, { batchSize: 100 })
      const fiber = yield* Effect.fork(sink.deliver(checks))
      const report = yield* driveToEnd(fiber)
      expect(report.failures).toEqual([])
      expect(report.delivered).toBe(3)
      expect(dd.checks.map((c) => c.tags[1])).toEqual(["repo:a", "repo:b", "repo:c"])
      expect(posts(dd)).toBe(3)
    }))

  it.scoped("a hanging Datadog: each batch times out three times on the clock, every check reported undelivered", () =>
    Effect.gen(function*() {
      const dd = yield* fakeDatadog([{ status: 0, times: 1_000 }])
      const sink = yield* sinkAt(dd.url)
      const fiber = yield* Effect.fork(sink.deliver(checks))
      const report = yield* driveToEnd(fiber)
      expect(report.delivered).toBe(0)
      expect(report.failures.map((f) => [f.checks.length, f.reason])).toEqual([
        [2, "Datadog did not answer within 10s"],
        [1, "Datadog did not answer within 10s"]
      ])
      expect(posts(dd)).toBe(6)
    }))

  it.scoped("403: no retry, one request per batch, the reason never holds the key", () =>
    Effect.gen(function*() {
      const dd = yield* fakeDatadog([{ status: 403, body: { errors: [`bad key ${KEY}`] }, times: 1_000 }])
      const sink = yield* sinkAt(dd.url)
      const report = yield* sink.deliver(checks)
      expect(report.delivered).toBe(0)
      expect(posts(dd)).toBe(2)
      for (const f of report.failures) {
        expect(f.reason).toMatch(/rejected the API key \(403\)/)
        expect(f.reason).not.toContain(KEY)
      }
    }))
})
