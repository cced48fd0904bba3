/**
 * Fault injection on the GitHub side. The real CLI (`run --once`) against the fake GitHub
 * playing scripted faults, and the fake Datadog receiving the checks: every target still gets
 * exactly one truthful check, the exit code is right, and nothing secret is printed. Where time
 * matters (retry-after, resets, backoff, timeouts) the client is driven with the TestClock.
 * Last, two cycles on one built layer: the second is answered with 304s.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Chunk, ConfigProvider, Effect, Fiber, Inspectable, Logger, Option, TestClock } from "effect"
import { loadSettings } from "../../src/config/Settings.ts"
import type { GitHubConfigShape } from "../../src/github/GitHubClient.ts"
import { cycleDeadline, GitHubClient } from "../../src/github/GitHubClient.ts"
import { CheckRunsPage, CombinedStatus } from "../../src/github/Schemas.ts"
import { runCycle } from "../../src/monitor.ts"
import { cycleLayer, cycleOptions } from "../../src/runtime/Layers.ts"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeGitHub, FakeGitHubOptions, Fault, RefSpec } from "../support/FakeGitHub.ts"
import { gitHubClientLayer, scopedFakeGitHub } from "../support/GitHubClientLayer.ts"
import {
  cli,
  clockDistance,
  cycleMs,
  clockOf,
  config,
  delivered,
  env,
  green,
  KEY,
  red,
  repo,
  startBlackHole,
  startProxy,
  TOKEN,
  useServers
} from "./support.ts"

const { github, datadog, keep } = useServers()

/** The three endpoints of a target, as FakeGitHub's fault keys and as request paths. */
const endpoints = ["status", "check-runs", "check-suites"] as const
const pathOf = (key: string, endpoint: string) => {
  const at = key.indexOf("@")
  return `/repos/${key.slice(0, at)}/commits/${encodeURIComponent(key.slice(at + 1))}/${endpoint}`
}
const requestsTo = (gh: FakeGitHub, key: string, endpoint: string) => gh.requests.filter((r) => r.path === pathOf(key, endpoint))

/** GitHub's answer once a quota is spent: 403, none remaining, reset at `reset` (epoch seconds). */
const quotaSpent = (reset: number, times?: number): Fault => ({
  status: 403,
  body: { message: "API rate limit exceeded" },
  headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
  ...(times === undefined ? {} : { times })
})

/** A green target, a red one, and the one the fault is played on (green unless the fault decides). */
const trio = [repo("acme/green@main"), repo("acme/red@main"), repo("acme/faulty@main")]
const trioRepos = (faulty: RefSpec = green): Record<string, RefSpec> => ({
  "acme/green@main": green,
  "acme/red@main": red,
  "acme/faulty@main": faulty
})

/** One `run --once` of `targets` against `gh` (or another GitHub URL), sending to a fresh fake Datadog. */
const runOnce = async (
  githubUrl: string,
  targets: ReadonlyArray<ReturnType<typeof repo>>,
  options: { readonly args?: ReadonlyArray<string>; readonly file?: object; readonly timeoutMs?: number } = {}
) => {
  const dd = await datadog()
  const file = config({ repos: targets, ...options.file })
  const result = await cli(["run", "--once", "--config", file, ...(options.args ?? [])], {
    env: env(githubUrl, dd.url),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  })
  // The exit code (with stderr, which says why) before what was delivered.
  expect(result.code, result.stderr).toBe(0)
  return { result, dd, checks: delivered(dd.checks, targets) }
}

describe.concurrent("GitHub faults through the real CLI", () => {
  it("500 then 200: retried, the target gets its real status (not 3), exit 0", async () => {
    const gh = await github({
      repos: trioRepos(red),
      faults: { "acme/faulty@main:check-runs": { status: 500, body: { message: "Server Error" }, times: 1 } }
    })
    const { result, checks } = await runOnce(gh.url, trio)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 1 })
    expect(checks.at("acme/faulty@main").message).toContain("test (failure) https://github.com/acme/red/runs/7")
    expect(checks.at("acme/faulty@main").message).not.toMatch(/server error|unknown/i)
    expect(requestsTo(gh, "acme/faulty@main", "check-runs")).toHaveLength(2)
    expect(result.stderr).toMatch(/sent 4 of 4 checks/)
  })

  it("502 forever: status 3 \"server error\" for that target only, after 3 tries; the others are correct", async () => {
    const gh = await github({
      repos: { ...trioRepos(), "acme/red-too@main": red },
      faults: {
        "acme/faulty@main:status": { status: 502, body: { message: "Bad Gateway" } },
        // A failing target stays failing when another of its sources cannot tell.
        "acme/red-too@main:status": { status: 502, body: { message: "Bad Gateway" } }
      }
    })
    const targets = [...trio, repo("acme/red-too@main")]
    const { result, checks } = await runOnce(gh.url, targets)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 3, "acme/red-too@main": 1 })
    expect(checks.at("acme/faulty@main").message).toMatch(/^Could not tell the CI state of acme\/faulty@main: commit status: GitHub server error \(502/)
    expect(checks.at("acme/red-too@main").message).toMatch(/^CI failing on acme\/red-too@main: test \(failure\).*also unknown: .*server error/)
    expect(requestsTo(gh, "acme/faulty@main", "status")).toHaveLength(3)
    expect(checks.self?.message).toContain("1 OK, 2 failing, 1 unknown")
  })

  it("429 with retry-after: 1 is waited out: the target gets its real status", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: { "acme/faulty@main:status": { status: 429, body: { message: "secondary rate limit" }, headers: { "retry-after": "1" }, times: 1 } }
    })
    const { result, checks } = await runOnce(gh.url, trio, { args: ["--deadline", "10s"] })
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 0 })
    expect(requestsTo(gh, "acme/faulty@main", "status")).toHaveLength(2)
    expect(cycleMs(result.stderr)).toBeGreaterThanOrEqual(900)
  })

  it("429 with retry-after: 3600: status 3 \"rate limited until HH:MM:SS UTC\" at the right time, asked once", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: { "acme/faulty@main:status": { status: 429, body: { message: "secondary rate limit" }, headers: { "retry-after": "3600" } } }
    })
    const started = Date.now()
    const { result, checks } = await runOnce(gh.url, trio)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 3 })
    const shown = /rate limited until (\d\d:\d\d:\d\d) UTC/.exec(checks.at("acme/faulty@main").message ?? "")?.[1]
    expect(shown, checks.at("acme/faulty@main").message).toBeDefined()
    expect(clockDistance(shown ?? "", clockOf(started + 3_600_000))).toBeLessThanOrEqual(Math.ceil(result.ms / 1000) + 1)
    expect(requestsTo(gh, "acme/faulty@main", "status")).toHaveLength(1)
  })

  it("403 with x-ratelimit-remaining: 0 and a reset: status 3 with the reset time, and no request after it (concurrency 1)", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600
    const gh = await github({
      repos: trioRepos(),
      faults: {
        "acme/faulty@main:status": quotaSpent(reset)
      }
    })
    const { result, checks } = await runOnce(gh.url, trio, { file: { concurrency: 1 } })
    expect(result.code, result.stderr).toBe(0)
    const limited = `rate limited until ${clockOf(reset * 1000)} UTC`
    expect(checks.at("acme/faulty@main").status).toBe(3)
    expect(checks.at("acme/faulty@main").message).toContain(limited)
    // The request that was answered 403 is the last one sent this cycle.
    const at = gh.requests.findIndex((r) => r.path === pathOf("acme/faulty@main", "status"))
    expect(at).toBeGreaterThanOrEqual(0)
    expect(gh.requests.slice(at + 1).map((r) => r.path)).toEqual([])
    // Targets asked in full before it are correct; the rest are unknown for the same reason.
    const expected: Record<string, number> = { "acme/green@main": 0, "acme/red@main": 1 }
    for (const [key, status] of Object.entries(expected)) {
      const c = checks.at(key)
      if (c.status !== status) expect(c.message).toContain(limited)
      expect([status, 3]).toContain(c.status)
    }
  })

  it("403 with remaining 0 everywhere: no more requests than the ones already in flight (concurrency 10)", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600
    const keys = Array.from({ length: 8 }, (_, i) => `acme/r${i}@main`)
    const limit = quotaSpent(reset)
    const gh = await github({
      repos: Object.fromEntries(keys.map((k) => [k, green])),
      faults: Object.fromEntries(keys.flatMap((k) => endpoints.map((e) => [`${k}:${e}`, limit])))
    })
    const targets = keys.map((k) => repo(k))
    const { result, checks } = await runOnce(gh.url, targets)
    expect(result.code, result.stderr).toBe(0)
    expect(gh.requests.length).toBeGreaterThan(0)
    expect(gh.requests.length).toBeLessThanOrEqual(10)
    for (const k of keys) {
      expect(checks.at(k).status).toBe(3)
      expect(checks.at(k).message).toContain(`rate limited until ${clockOf(reset * 1000)} UTC`)
    }
  })

  it("403 with remaining 0 and a reset 2 s away within --deadline 10s: waited out, every target correct", async () => {
    const reset = Math.floor(Date.now() / 1000) + 2
    const gh = await github({
      repos: trioRepos(),
      faults: {
        "acme/faulty@main:status": quotaSpent(reset, 1)
      }
    })
    const { result, checks } = await runOnce(gh.url, trio, { args: ["--deadline", "10s"] })
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 0 })
  })

  it("a connection that hangs, --deadline 2s: status 3 for it, one check per target, exit 0, well under 10 s", async () => {
    const gh = await github({
      repos: trioRepos(red),
      faults: {
        "acme/faulty@main:check-suites": { status: 0 },
        "acme/green@main:status": { status: 0 }
      }
    })
    const { result, checks } = await runOnce(gh.url, trio, { args: ["--deadline", "2s"], timeoutMs: 12_000 })
    expect(result.code, result.stderr).toBe(0)
    expect(cycleMs(result.stderr)).toBeLessThan(4_000)
    // What did answer is kept: the red runs of faulty still make it failing.
    expect(checks.statuses).toEqual({ "acme/green@main": 3, "acme/red@main": 1, "acme/faulty@main": 1 })
    expect(checks.at("acme/green@main").message).toMatch(/commit status: no answer from GitHub before the cycle's deadline \(2s\)/)
    expect(checks.at("acme/faulty@main").message).toMatch(/also unknown: check suites: no answer from GitHub before the cycle's deadline/)
  })

  it("a GitHub that accepts connections and never answers, --deadline 2s: every target 3, self-check sent, exit 0", async () => {
    const hole = keep(await startBlackHole())
    const { result, checks } = await runOnce(hole.url, trio, { args: ["--deadline", "2s"], timeoutMs: 12_000 })
    expect(result.code, result.stderr).toBe(0)
    expect(cycleMs(result.stderr)).toBeLessThan(4_000)
    expect(checks.statuses).toEqual({ "acme/green@main": 3, "acme/red@main": 3, "acme/faulty@main": 3 })
    for (const t of trio) expect(checks.at(`${t.owner}/${t.repo}@${t.ref}`).message).toMatch(/deadline|timed out/)
    expect(checks.self?.message).toContain("0 OK, 0 failing, 3 unknown")
  })

  it("truncated, non-JSON, empty and wrongly shaped 200 bodies: status 3 \"unexpected response\" for those targets only", async () => {
    const broken = ["acme/truncated@main", "acme/html@main", "acme/empty@main", "acme/shape@main"]
    const gh = await github({
      repos: { ...trioRepos(), ...Object.fromEntries(broken.map((k) => [k, green])) },
      faults: {
        "acme/truncated@main:status": { status: 200, body: `{"state":"success","statuses":[{"context":"ci/jen` },
        "acme/html@main:check-runs": { status: 200, body: "<html><body>Unicorn! This page is taking too long</body></html>" },
        "acme/empty@main:check-suites": { status: 200, body: "" },
        "acme/shape@main:check-runs": { status: 200, body: { total_count: "many", check_runs: [{ name: 7 }] } }
      }
    })
    const targets = [...trio, ...broken.map((k) => repo(k))]
    const { result, checks } = await runOnce(gh.url, targets)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({
      "acme/green@main": 0,
      "acme/red@main": 1,
      "acme/faulty@main": 0,
      "acme/truncated@main": 3,
      "acme/html@main": 3,
      "acme/empty@main": 3,
      "acme/shape@main": 3
    })
    for (const k of broken) expect(checks.at(k).message).toMatch(/unexpected response/)
    expect(checks.at("acme/truncated@main").message).toContain("commit status: unexpected response from /repos/acme/truncated/commits/main/status")
    // Not transient: asked once.
    expect(requestsTo(gh, "acme/html@main", "check-runs")).toHaveLength(1)
  })

  it("slow answers (300 ms each, through a proxy): every target correct within --deadline 5s", async () => {
    const gh = await github({ repos: trioRepos() })
    const proxy = keep(await startProxy(gh.url, () => ({ delayMs: 300 })))
    const { result, checks } = await runOnce(proxy.url, trio, { args: ["--deadline", "5s"] })
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 0 })
    expect(proxy.seen).toHaveLength(9)
  })

  it("a connection cut in the middle of a body: retried (correct status) once, status 3 when it always breaks", async () => {
    const gh = await github({ repos: { ...trioRepos(red), "acme/cut@main": green } })
    const proxy = keep(
      await startProxy(gh.url, (path, nth) => ({
        cut: (path === pathOf("acme/faulty@main", "check-runs") && nth === 1) || path === pathOf("acme/cut@main", "status")
      }))
    )
    const targets = [...trio, repo("acme/cut@main")]
    const { result, checks } = await runOnce(proxy.url, targets)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/faulty@main": 1, "acme/cut@main": 3 })
    expect(checks.at("acme/cut@main").message).toContain("the connection broke while reading the answer")
    expect(proxy.seen.filter((p) => p === pathOf("acme/cut@main", "status"))).toHaveLength(3)
  })

  it("a GitHub error message that echoes the token: the check message and the output never show it", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: {
        // A misbehaving proxy in front of GitHub Enterprise that reflects the request headers.
        "acme/faulty@main:status": { status: 502, body: { message: `upstream failed for request with Authorization: Bearer ${TOKEN}` } }
      }
    })
    const { result, checks, dd } = await runOnce(gh.url, trio)
    expect(result.code, result.stderr).toBe(0)
    expect(checks.at("acme/faulty@main").status).toBe(3)
    for (const r of dd.requests) expect(r.body, "the token was sent to Datadog in a check message").not.toContain(TOKEN)
  })
})

describe.concurrent("GitHub's redirects through the real CLI (fetch hands them over; the client decides)", () => {
  it("a renamed repository (301 to /repositories/{id}/…): followed with the token, the real status reported", async () => {
    const gh = await github({ token: TOKEN, repos: trioRepos(red), renamed: { "acme/old-name": "acme/faulty" } })
    const target = repo("acme/old-name@main")
    const { checks } = await runOnce(gh.url, [target])
    expect(checks.at("acme/old-name@main").status).toBe(1)
    expect(gh.requests.filter((r) => r.path.startsWith("/repos/acme/old-name/")).map((r) => r.headers["authorization"]))
      .toEqual(Array(3).fill(`Bearer ${TOKEN}`))
  })

  it("a redirect loop: given up after 5 redirects, status 3 saying so, the others correct", async () => {
    const gh = await github({ token: TOKEN, repos: trioRepos() })
    gh.setFault("acme/faulty@main:status", { status: 302, headers: { location: `${gh.url}${pathOf("acme/faulty@main", "status")}` } })
    const { checks } = await runOnce(gh.url, trio)
    expect(checks.at("acme/faulty@main").status).toBe(3)
    expect(checks.at("acme/faulty@main").message).toContain("after 5 redirects already: not followed")
    expect(requestsTo(gh, "acme/faulty@main", "status")).toHaveLength(6)
    expect(checks.at("acme/green@main").status).toBe(0)
  })

  it("a redirect to another host: not followed, the token is not sent there, status 3 naming where it pointed", async () => {
    const elsewhere = await github({ repos: trioRepos() })
    const gh = await github({ token: TOKEN, repos: trioRepos() })
    gh.setFault("acme/faulty@main:check-runs", { status: 307, headers: { location: `${elsewhere.url}${pathOf("acme/faulty@main", "check-runs")}` } })
    const { checks } = await runOnce(gh.url, trio)
    expect(elsewhere.requests).toEqual([])
    expect(checks.at("acme/faulty@main").status).toBe(3)
    expect(checks.at("acme/faulty@main").message).toContain(`GitHub redirected (307) to ${elsewhere.url}/repos/acme/faulty/commits/main/check-runs, off the API's host`)
    expect(checks.at("acme/red@main").status).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------
// The client under the TestClock: waits and retries without sleeping for real.

const fakeGitHub = (options: FakeGitHubOptions) => scopedFakeGitHub({ token: TOKEN, ...options })

const clientAt = (apiUrl: string, overrides: Partial<GitHubConfigShape> = {}) =>
  GitHubClient.pipe(
    // A long request timeout, so that the only sleeps on the TestClock before it are the ones under test.
    Effect.provide(gitHubClientLayer(apiUrl, TOKEN, { requestTimeout: "1 hour", userAgent: "github-ci-monitor-faults", ...overrides }))
  )

/** Waits (in real time: the HTTP exchange is real) until `condition` holds. */
const until = (what: string, condition: Effect.Effect<boolean>, timeoutMs = 5_000) =>
  Effect.gen(function*() {
    const started = Date.now()
    while (!(yield* condition)) {
      if (Date.now() - started > timeoutMs) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  })
const sleepingUntil = (ms: number) => TestClock.sleeps().pipe(Effect.map(Chunk.some((t) => t === ms)))
const pause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))

const statusPath = "/repos/acme/api/commits/main/status"
const runsPath = "/repos/acme/api/commits/main/check-runs"

describe("GitHubClient faults under the TestClock", () => {
  it.scoped("429 with retry-after: 30 is waited out on the clock (fork, adjust, join), then asked again", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: { "acme/api@main:status": { status: 429, body: { message: "slow down" }, headers: { "retry-after": "30" }, times: 1 } }
      })
      const client = yield* clientAt(gh.url)
      const fiber = yield* Effect.fork(client.get(statusPath, CombinedStatus))
      yield* until("the client to sleep until 30 s", sleepingUntil(30_000))
      expect(gh.requests).toHaveLength(1)
      yield* TestClock.adjust("29 seconds")
      yield* pause
      expect(Option.isNone(yield* Fiber.poll(fiber)), "answered before GitHub's retry-after").toBe(true)
      expect(gh.requests).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      const status = yield* Fiber.join(fiber)
      expect(status.state).toBe("success")
      expect(gh.requests).toHaveLength(2)
    }))

  it.scoped("a retry-after longer than the cycle's deadline fails at once with the time, without waiting", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: { "acme/api@main:status": { status: 429, headers: { "retry-after": "30" } } }
      })
      const client = yield* clientAt(gh.url)
      const error = yield* client.get(statusPath, CombinedStatus).pipe(Effect.locally(cycleDeadline, 20_000), Effect.flip)
      expect(error).toMatchObject({ reason: "rate_limited", detail: "rate limited until 00:00:30 UTC (GitHub's secondary limit)" })
      expect(yield* TestClock.sleeps()).not.toContain(30_000)
      expect(gh.requests).toHaveLength(1)
    }))

  it.scoped("403 remaining 0 with a reset 30 s ahead: waited out, then asked again", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: { "acme/api@main:status": quotaSpent(30, 1) }
      })
      const client = yield* clientAt(gh.url)
      const fiber = yield* Effect.fork(client.get(statusPath, CombinedStatus))
      yield* until("the client to sleep until the reset", sleepingUntil(30_000))
      yield* TestClock.adjust("30 seconds")
      expect((yield* Fiber.join(fiber)).state).toBe("success")
      expect(gh.requests).toHaveLength(2)
    }))

  it.scoped("a quota near its end slows the client down: the next request waits before it is sent", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { ...green, checkRuns: [{ name: "build" }] } },
        faults: {
          // A normal answer that says only 10 requests are left until the reset in 100 s.
          "acme/api@main:status": {
            status: 200,
            body: { state: "success", statuses: [] },
            headers: { "x-ratelimit-remaining": "10", "x-ratelimit-reset": "100" },
            times: 1
          }
        }
      })
      const client = yield* clientAt(gh.url)
      expect((yield* client.get(statusPath, CombinedStatus)).state).toBe("success")
      const fiber = yield* Effect.fork(client.get(runsPath, CheckRunsPage))
      // 100 s over 10 requests would be 10 s each: capped at 2 s a request.
      yield* until("the client to pace the next request", sleepingUntil(2_000))
      yield* pause
      expect(gh.requests, "sent before the pause").toHaveLength(1)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).check_runs.map((r) => r.name)).toEqual(["build"])
      expect(gh.requests).toHaveLength(2)
    }))

  it.scoped("403 remaining 0 with a reset an hour ahead: fails with the reset time, then sends nothing until the reset", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { ...green, checkRuns: [{ name: "build" }] } },
        faults: { "acme/api@main:status": quotaSpent(3600, 1) }
      })
      const client = yield* clientAt(gh.url)
      const first = yield* Effect.flip(client.get(statusPath, CombinedStatus))
      expect(first).toMatchObject({ reason: "rate_limited", detail: "rate limited until 01:00:00 UTC" })
      const second = yield* Effect.flip(client.get(runsPath, CheckRunsPage))
      expect(second).toMatchObject({ reason: "rate_limited", detail: "rate limited until 01:00:00 UTC" })
      expect(gh.requests).toHaveLength(1)
      expect((yield* client.stats).rateLimitRemaining).toBe(0)
      yield* TestClock.adjust("3600 seconds")
      const runs = yield* client.get(runsPath, CheckRunsPage)
      expect(runs.check_runs.map((r) => r.name)).toEqual(["build"])
      expect(gh.requests).toHaveLength(2)
    }))

  it.scoped("502 forever: three tries with backoff on the clock, then server_error", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: { "acme/api@main:status": { status: 502, body: { message: "Bad Gateway" } } }
      })
      const client = yield* clientAt(gh.url)
      const fiber = yield* Effect.fork(Effect.flip(client.get(statusPath, CombinedStatus)))
      yield* until("the first answer", Effect.sync(() => gh.requests.length === 1))
      yield* pause
      expect(gh.requests, "retried without waiting for the backoff").toHaveLength(1)
      for (let i = 0; i < 20 && Option.isNone(yield* Fiber.poll(fiber)); i++) {
        yield* TestClock.adjust("500 millis")
        yield* pause
      }
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ reason: "server_error", status: 502 })
      expect(gh.requests).toHaveLength(3)
    }))

  it.scoped("a request that hangs times out on the clock (requestTimeout 5 s), three tries, then timeout", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green }, faults: { "acme/api@main:status": { status: 0 } } })
      const client = yield* clientAt(gh.url, { requestTimeout: "5 seconds" })
      const fiber = yield* Effect.fork(Effect.flip(client.get(statusPath, CombinedStatus)))
      for (let i = 0; i < 40 && Option.isNone(yield* Fiber.poll(fiber)); i++) {
        yield* until("a request in flight", Effect.sync(() => gh.requests.length > 0))
        yield* TestClock.adjust("1 second")
        yield* pause
      }
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ reason: "timeout", detail: "GitHub did not answer within 5s" })
      expect(gh.requests).toHaveLength(3)
    }))
})

// ---------------------------------------------------------------------------------------------
// Conditional requests across cycles of one built layer.

/**
 * Settings for `targets` against `githubUrl`, sending to `datadogUrl`, read the way the CLI
 * reads them (configuration text, then the environment), so they keep up with `Settings`.
 */
const settingsFor = (githubUrl: string, datadogUrl: string, targets: ReadonlyArray<ReturnType<typeof repo>>) =>
  loadSettings({ configText: { source: "test", text: JSON.stringify({ repos: targets }) }, githubApiUrl: githubUrl, ddApiUrl: datadogUrl }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["GITHUB_TOKEN", TOKEN], ["DD_API_KEY", KEY]]))),
    Effect.provide(NodeContext.layer),
    Effect.provide(FetchHttpClient.layer),
    Effect.orDie
  )
const fakeDatadog = Effect.acquireRelease(Effect.promise(() => startFakeDatadog({ apiKey: KEY })), (d) => Effect.promise(() => d.close()))

describe("two cycles on one built layer against an unchanged GitHub", () => {
  it.scopedLive("the second cycle is answered with 304s, reuses every page, and delivers the same checks", () =>
    Effect.gen(function*() {
      const paged = Array.from({ length: 230 }, (_, i) => ({ name: `unit ${i + 1}`, ...(i === 200 ? { conclusion: "failure" } : {}) }))
      const gh = yield* fakeGitHub({
        repos: {
          "acme/green@main": green,
          "acme/red@main": red,
          "acme/paged@main": { ...green, checkRuns: paged },
          "acme/api@release/v2": green
        }
      })
      const dd = yield* fakeDatadog
      const settings = yield* settingsFor(gh.url, dd.url, [
        repo("acme/green@main"),
        repo("acme/red@main"),
        repo("acme/paged@main"),
        repo("acme/api@release/v2")
      ])
      const cycles = yield* Effect.gen(function*() {
        const client = yield* GitHubClient
        const first = yield* runCycle(settings.targets, cycleOptions(settings))
        const afterFirst = yield* client.stats
        const sentFirst = gh.requests.length
        const second = yield* runCycle(settings.targets, cycleOptions(settings))
        const afterSecond = yield* client.stats
        return { first, second, afterFirst, afterSecond, sentFirst }
      }).pipe(Effect.provide(cycleLayer(settings, { _tag: "Datadog" }, "table")))

      const { first, second, afterFirst, afterSecond, sentFirst } = cycles
      // 4 targets × 3 sources, and 2 more pages of check runs for acme/paged.
      expect(afterFirst).toMatchObject({ requests: 14, notModified: 0 })
      expect(sentFirst).toBe(14)
      const secondRequests = gh.requests.slice(sentFirst)
      expect(secondRequests).toHaveLength(14)
      for (const r of secondRequests) expect(r.headers["if-none-match"], `${r.path} sent without If-None-Match`).toMatch(/^W\/"/)
      expect(afterSecond.requests - afterFirst.requests).toBe(14)
      expect(afterSecond.notModified - afterFirst.notModified).toBe(14)
      // A 304 costs no rate limit.
      expect(afterSecond.rateLimitRemaining).toBe(afterFirst.rateLimitRemaining)
      const view = (r: typeof first) => r.results.map((x) => [x.check.status, x.check.message])
      expect(view(second)).toEqual(view(first))
      expect(view(first).map(([s]) => s)).toEqual([0, 1, 1, 0])
      expect(first.delivery.failures).toEqual([])
      expect(second.delivery.failures).toEqual([])
      expect(dd.checks).toHaveLength(10)
    }))

  it.scopedLive("a change between cycles is seen: only the changed answers are 200, the rest stay 304", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/green@main": green, "acme/red@main": red } })
      const dd = yield* fakeDatadog
      const settings = yield* settingsFor(gh.url, dd.url, [repo("acme/green@main"), repo("acme/red@main")])
      const { first, second, stats } = yield* Effect.gen(function*() {
        const client = yield* GitHubClient
        const first = yield* runCycle(settings.targets, cycleOptions(settings))
        gh.setRepo("acme/red@main", green)
        const second = yield* runCycle(settings.targets, cycleOptions(settings))
        return { first, second, stats: yield* client.stats }
      }).pipe(Effect.provide(cycleLayer(settings, { _tag: "Datadog" }, "table")))
      expect(first.results.map((r) => r.check.status)).toEqual([0, 1])
      expect(second.results.map((r) => r.check.status)).toEqual([0, 0])
      // Only the check runs of acme/red changed (its status and suite bodies are the same).
      expect(stats).toMatchObject({ requests: 12, notModified: 5 })
    }))
})

describe("the cycle's layer", () => {
  it.scopedLive("adds dd-api-key to the header names Effect redacts: a request logged within it never shows the Datadog key", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/green@main": green } })
      const dd = yield* fakeDatadog
      const settings = yield* settingsFor(gh.url, dd.url, [repo("acme/green@main")])
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void lines.push(Inspectable.toStringUnknown(message))))
      const logRequest = Effect.log(HttpClientRequest.post(`${dd.url}/api/v1/check_run`).pipe(HttpClientRequest.setHeader("dd-api-key", KEY)))
      yield* logRequest.pipe(Effect.provide(capture))
      yield* logRequest.pipe(Effect.provide(cycleLayer(settings, { _tag: "Datadog" }, "json")), Effect.provide(capture))
      expect(lines).toHaveLength(2)
      // Without the cycle's layer, Effect shows the header as it is.
      expect(lines[0]).toContain(KEY)
      expect(lines[1]).toContain("dd-api-key")
      expect(lines[1]).not.toContain(KEY)
    }))
})
