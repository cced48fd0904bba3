/** What the CLI prints about a cycle and the command line it takes: the summary lines, --log-level, the GitHub budget. */
import { describe, expect, it } from "@effect/vitest"
import { Cron, Duration, Either, LogLevel, Option } from "effect"
import { budgetOf, cadenceRate, describeBudget, graphqlPoints, restRequests } from "../../src/cli/Budget.ts"
import { describeDelivery, describeRequests, formatMillis } from "../../src/cli/Output.ts"
import type { Settings } from "../../src/config/Settings.ts"
import type { Target } from "../../src/domain/Target.ts"
import type { GitHubStats } from "../../src/github/GitHubClient.ts"
import type { CycleResult } from "../../src/monitor.ts"
import { takeLogLevel } from "../../src/runtime/Log.ts"

const stats = (s: Partial<GitHubStats> = {}): GitHubStats => ({ requests: 0, answered: 0, failed: 0, failures: {}, notModified: 0, rateLimitRemaining: undefined, ...s })

describe("describeRequests", () => {
  it("counts what was sent, answered (304s among them) and failed, in this cycle only", () => {
    const before = stats({ requests: 10, answered: 10, notModified: 2 })
    expect(describeRequests(before, stats({ requests: 52, answered: 52, notModified: 42, rateLimitRemaining: 4890 }))).toBe(
      "GitHub: 42 requests sent, 42 answered (40 of them 304 Not Modified), rate limit remaining 4890"
    )
  })

  it("GitHub unreachable: not '0 requests' but what was sent and why none came back", () => {
    expect(describeRequests(stats(), stats({ requests: 3, failed: 3, failures: { "could not connect": 3 } }))).toBe(
      "GitHub: 3 requests sent, 0 answered, 3 failed (could not connect)"
    )
  })

  it("several reasons, most first; requests cut off by the deadline are 'unfinished'", () => {
    const after = stats({ requests: 1200, answered: 1000, failed: 150, failures: { "timed out": 50, "could not connect": 100 } })
    expect(describeRequests(stats(), after)).toBe(
      "GitHub: 1,200 requests sent, 1,000 answered, 150 failed (100 could not connect, 50 timed out), 50 unfinished"
    )
  })
})

describe("describeDelivery", () => {
  const result = (durationMillis: number): CycleResult => ({
    results: [],
    selfCheck: { check: "github_ci_monitor.up", host_name: "h", status: 0, tags: [], message: "", timestamp: 0 },
    delivery: { destination: "Datadog (https://api.datadoghq.com)", delivered: 1, failures: [] },
    counts: { ok: 0, failing: 0, unknown: 0 },
    durationMillis
  })

  it("the delivery's own time, and the cycle's apart", () => {
    expect(describeDelivery(result(31_426), { _tag: "Datadog" }, 120)).toEqual([
      "sent 1 of 1 checks to Datadog (https://api.datadoghq.com) in 120 ms (cycle 31.4 s): 0 OK, 0 failing, 0 unknown"
    ])
    expect(describeDelivery(result(850), { _tag: "Stdout", why: "dry-run" })).toEqual(["dry run: nothing was sent (0 OK, 0 failing, 0 unknown; cycle 850 ms)"])
  })

  it("formatMillis cuts tenths, never rounds up", () => {
    expect([formatMillis(0), formatMillis(999), formatMillis(1000), formatMillis(1099), formatMillis(31_499)]).toEqual(["0 ms", "999 ms", "1.0 s", "1.0 s", "31.4 s"])
  })
})

describe("takeLogLevel: --log-level anywhere on the command line", () => {
  const argv = (...rest: Array<string>) => ["node", "cli.mjs", ...rest]
  it.each([
    [argv("--log-level", "debug", "run", "--once"), argv("run", "--once"), LogLevel.Debug],
    [argv("run", "--once", "--log-level", "debug"), argv("run", "--once"), LogLevel.Debug],
    [argv("run", "--log-level=warn", "--once"), argv("run", "--once"), LogLevel.Warning],
    [argv("--log-level", "info", "run", "--log-level", "trace"), argv("run"), LogLevel.Trace],
    [argv("validate"), argv("validate"), undefined]
  ])("%j", (given, rest, level) => {
    expect(takeLogLevel(given)).toEqual(Either.right({ argv: rest, level }))
  })

  it("a level that is not one, or none at all, says what is wrong", () => {
    expect(takeLogLevel(argv("run", "--log-level", "loud"))).toEqual(
      Either.left("--log-level: \"loud\" is not a level; one of all, trace, debug, info, warn, warning, error, fatal, none")
    )
    expect(Either.getLeft(takeLogLevel(argv("run", "--log-level")))).toEqual(Option.some(expect.stringMatching(/^--log-level: give a level/)))
  })
})

describe("the GitHub budget", () => {
  const target = (owner: string, repo: string, sources: Target["sources"] = { status: true, check_runs: true, check_suites: true }): Target => ({
    owner,
    repo,
    ref: "main",
    sources,
    failOn: ["failure"],
    tags: []
  })
  const fleet = (n: number) => Array.from({ length: n }, (_, i) => target("fleet", `svc-${i}`))

  it("REST: one request per target and enabled source", () => {
    expect(restRequests([target("a", "b"), target("a", "c", { status: true, check_runs: false, check_suites: false })])).toBe(4)
  })

  it("GraphQL: a query per batch (per owner for an App without installation), two of GitHub's requests a target, 100 to the point", () => {
    expect(graphqlPoints(fleet(1000), 50, false)).toBe(20)
    expect(graphqlPoints(fleet(1000), 100, false)).toBe(20)
    expect(graphqlPoints(fleet(1001), 50, false)).toBe(21)
    expect(graphqlPoints([...fleet(10), target("other", "x")], 50, true)).toBe(2)
  })

  it("a cron schedule: its busiest hour and its shortest gap", () => {
    const from = Date.UTC(2025, 0, 6, 0, 0, 0)
    const every = (expr: string) => cadenceRate({ _tag: "Cron", expression: expr, cron: Either.getOrThrow(Cron.parse(expr, "UTC")) }, from)
    expect(every("*/5 * * * *")).toEqual({ perHour: 12, gapMillis: 300_000 })
    expect(every("0,10 9 * * *")).toEqual({ perHour: 2, gapMillis: 600_000 })
    expect(cadenceRate({ _tag: "Interval", every: Duration.minutes(2) })).toEqual({ perHour: 30, gapMillis: 120_000 })
  })

  it("says plainly when REST cannot fit, and what GraphQL would cost", () => {
    const settings = { targets: fleet(1000), api: "rest", github: { apiUrl: "x", token: Option.some("t") } } as unknown as Settings
    const budget = budgetOf(settings, { _tag: "Interval", every: Duration.minutes(5) })
    expect(budget.fits).toBe(false)
    expect(describeBudget(budget)).toEqual([
      "REST, every 5m: 3,000 requests a cycle × 12 an hour = 36,000/h of 5,000/h; secondary limit 900 a minute (a cycle takes at least 3 min) — does NOT fit:",
      "  REST: 3,000 requests a cycle × 12 cycles an hour = 36,000/h > 5,000/h; api: graphql needs 20 points a cycle (240/h); or a cycle every 36 min at least, or 8 shards with a token each"
    ])
  })
})
