/**
 * The GraphQL sources against the fake GitHub, whose GraphQL API executes our queries against
 * GitHub's real schema: the same targets give the same checks as over REST (status and message),
 * one query serves all three sources of a batch, long connections are paginated, and a missing
 * repository or ref is status 3 for that target alone.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { fetchStates, GraphQLSources } from "../../src/sources/GraphQLSources.ts"
import { RestSources } from "../../src/sources/RestSources.ts"
import type { CheckRunSpec, CheckSuiteSpec, RefSpec } from "../support/FakeGitHub.ts"
import { GitHubClient } from "../../src/github/GitHubClient.ts"
import { runCycle } from "../../src/monitor.ts"
import { Sink } from "../../src/sinks/Sink.ts"
import { clientLayer, cycle, cycleOptions, fakeGitHub, target } from "./support.ts"

const graphql = (batchSize = 50) => GraphQLSources({ batchSize })

const runs = (n: number, failAt?: number, conclusion = "failure"): CheckRunSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `job ${i + 1}`, conclusion: i + 1 === failAt ? conclusion : "success" }))
const suites = (n: number, failAt?: number): CheckSuiteSpec[] =>
  Array.from({ length: n }, (_, i) => ({ app_name: `app ${i + 1}`, conclusion: i + 1 === failAt ? "failure" : "success" }))

/** Shared fixtures: every kind of answer the status rules tell apart. */
const fixtures: Record<string, RefSpec> = {
  "acme/green@main": {
    statuses: [{ context: "ci/jenkins", state: "success", target_url: "https://ci.example/1" }],
    checkRuns: [{ name: "build" }, { name: "lint", conclusion: "skipped" }, { name: "docs", conclusion: "neutral" }],
    checkSuites: [{ app_name: "GitHub Actions" }]
  },
  "acme/status-failure@main": {
    statuses: [
      { context: "ci/jenkins", state: "failure", target_url: "https://ci.example/jenkins/7" },
      { context: "ci/legacy", state: "error", target_url: null },
      { context: "deploy/preview", state: "success" }
    ]
  },
  "acme/status-pending@main": {
    statuses: [{ context: "deploy/preview", state: "pending" }, { context: "ci/a", state: "success" }],
    checkRuns: [{ name: "build" }]
  },
  "acme/no-status@main": { checkRuns: [{ name: "build" }], checkSuites: [{}] },
  "acme/nothing@main": {},
  "acme/run-failure@main": {
    checkRuns: [
      { name: "test", conclusion: "failure", html_url: "https://github.com/acme/run-failure/runs/1" },
      { name: "e2e", conclusion: "timed_out", details_url: "https://ci.example/e2e" },
      { name: "deploy", conclusion: "action_required" },
      { name: "matrix", conclusion: "startup_failure" },
      { name: "flaky", conclusion: "cancelled" }
    ],
    checkSuites: [{ app_name: "GitHub Actions", conclusion: "failure" }]
  },
  "acme/runs-going@main": {
    checkRuns: [{ name: "build", status: "in_progress" }, { name: "test", status: "queued" }, { name: "lint" }],
    checkSuites: [{ status: "in_progress" }, { status: "queued", app_name: "Never Starts" }]
  },
  "acme/suite-only-failure@main": {
    // A workflow that never started: a failed suite with no runs.
    checkSuites: [{ app_name: "GitHub Actions", conclusion: "startup_failure", latest_check_runs_count: 0 }, { app_name: "Other CI" }]
  },
  "acme/many-runs@main": { checkRuns: runs(250, 230), checkSuites: suites(1) },
  "acme/many-suites@main": { checkRuns: runs(3), checkSuites: suites(130, 117) },
  "acme/many-failures@main": { checkRuns: Array.from({ length: 60 }, (_, i) => ({ name: `shard ${i + 1} of a long matrix`, conclusion: "failure" })) },
  "acme/slashes@release/v2": { statuses: [{ context: "ci", state: "failure" }], checkRuns: [{ name: "build" }] },
  "acme/tagged@v1.2.0": { annotatedTag: true, checkRuns: [{ name: "release", conclusion: "failure" }], checkSuites: [{}] },
  "acme/api@main": { checkRuns: [{ name: "build" }] }
}

describe("GraphQL sources give the same checks as REST", () => {
  it.scoped("on shared fixtures: same status and same message for every target", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: fixtures })
      // Distinct keys: the same repository on one ref may be a target once.
      const targets = [
        ...Object.keys(fixtures).map((k) => target(k, { tags: ["team:sre"] })),
        target("acme/api@no-such-branch"),
        target("acme/gone@main"),
        target("acme/green@0123456789abcdef0123456789abcdef01234567"),
        // Owner and repository names are case-insensitive; sources and fail_on per target.
        target("acme/STATUS-PENDING@main", { sources: ["status"] }),
        target("acme/Run-Failure@main", { sources: ["check_runs"], failOn: ["cancelled"] })
      ]
      const rest = yield* cycle(RestSources, gh.url, targets)
      const viaGraphQL = yield* cycle(graphql(), gh.url, targets)
      targets.forEach((t, i) => {
        const r = rest.checks[i]!
        const g = viaGraphQL.checks[i]!
        const name = `${t.owner}/${t.repo}@${t.ref}`
        expect(g.status, name).toBe(r.status)
        expect(g.tags, name).toEqual(r.tags)
        // Not found is said without REST's HTTP status code; everything else word for word.
        if (r.status === 3) expect(g.message.replace(/ \(404\)| \(422[^)]*\)/g, ""), name).toMatch(/not found/)
        else expect(g.message, name).toBe(r.message)
      })
      // The unknown ones are not found, for that target alone.
      const unknown = viaGraphQL.results.filter((r) => r.level === "unknown").map((r) => `${r.target.repo}@${r.target.ref}`)
      expect(unknown.sort()).toEqual(["api@no-such-branch", "gone@main", "green@0123456789abcdef0123456789abcdef01234567"].sort())
      for (const r of viaGraphQL.results.filter((r) => r.level === "unknown")) {
        expect(r.verdicts.every((v) => v.verdict._tag === "Unknown" && v.verdict.reason === "not_found")).toBe(true)
      }
    }))

  it.scoped("the failing run on page 3 of 250 and the failing suite 117 of 130 are found", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: fixtures })
      const { checks } = yield* cycle(graphql(), gh.url, [target("acme/many-runs@main"), target("acme/many-suites@main")])
      expect(checks[0]?.status).toBe(1)
      expect(checks[0]?.message).toContain("job 230 (failure)")
      expect(checks[1]?.status).toBe(1)
      expect(checks[1]?.message).toContain("app 117 (failure)")
      // One first query, then follow-ups of both targets batched together (by commit id).
      expect(gh.graphql.length).toBe(3)
      expect(gh.graphql[1]?.query).toContain("object(oid:")
    }))
})

describe("one query per batch, shared by the three sources", () => {
  it.scoped("120 targets in batches of 50 make 3 queries, whatever sources each enables", () =>
    Effect.gen(function*() {
      const repos: Record<string, RefSpec> = {}
      for (let i = 0; i < 120; i++) repos[`org/r${i}@main`] = { checkRuns: [{ name: "build" }], statuses: [{ context: "c", state: "success" }], checkSuites: [{}] }
      const gh = yield* fakeGitHub({ repos })
      const targets = Object.keys(repos).map((k, i) =>
        target(k, { sources: i % 3 === 0 ? ["status"] : i % 3 === 1 ? ["check_runs", "check_suites"] : undefined })
      )
      const { checks, stats } = yield* cycle(graphql(50), gh.url, targets)
      expect(checks.every((c) => c.status === 0)).toBe(true)
      // The sources' batches differ (each gets only its targets), yet every target is read once.
      const asked = gh.graphql.flatMap((q) => Object.keys(q.variables).filter((v) => v.startsWith("n")).map((v) => `${String(q.variables[`o${v.slice(1)}`])}/${String(q.variables[v])}`))
      expect(new Set(asked).size).toBe(120)
      expect(asked.length).toBe(120)
      expect(gh.requests.filter((r) => r.path !== "/graphql")).toHaveLength(0)
      expect(stats.graphqlQueries).toBe(gh.graphql.length)
      expect(stats.graphqlCost).toBe(gh.graphql.reduce((n, q) => n + q.cost, 0))
    }))

  it.scoped("a target asks only for what its sources need", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": { statuses: [{ context: "c", state: "success" }] } } })
      yield* cycle(graphql(), gh.url, [target("acme/api@main", { sources: ["status"] })])
      expect(gh.graphql[0]?.query).toContain("status {")
      expect(gh.graphql[0]?.query).not.toContain("statusCheckRollup")
      expect(gh.graphql[0]?.query).not.toContain("checkSuites")
      expect(gh.graphql[0]?.requests).toBe(0)
    }))
})

describe("between cycles", () => {
  it.scoped("each cycle of one built layer reads GitHub anew", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": { checkRuns: [{ name: "build" }] } } })
      const targets = [target("acme/api@main")]
      const twoCycles = Effect.gen(function*() {
        const first = yield* runCycle(targets, cycleOptions)
        gh.setRepo("acme/api@main", { checkRuns: [{ name: "build", conclusion: "failure" }] })
        const second = yield* runCycle(targets, cycleOptions)
        return [first.results[0]?.check.status, second.results[0]?.check.status]
      })
      const statuses = yield* twoCycles.pipe(
        Effect.provide(Layer.mergeAll(graphql(), Layer.succeed(Sink, { deliver: (c) => Effect.succeed({ destination: "t", delivered: c.length, failures: [] }) })).pipe(
          Layer.provideMerge(clientLayer(gh.url))
        ))
      )
      expect(statuses).toEqual([0, 1])
      expect(gh.graphql).toHaveLength(2)
    }))
})

describe("the cycle's deadline", () => {
  it.scopedLive("a query that hangs leaves its targets unknown at the deadline; the next cycle reads them", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { checkRuns: [{ name: "build" }] } },
        faults: { graphql: { status: 0, times: 1 } }
      })
      const targets = [target("acme/api@main")]
      const sink = Layer.succeed(Sink, { deliver: (c) => Effect.succeed({ destination: "t", delivered: c.length, failures: [] }) })
      const layer = Layer.mergeAll(graphql(), sink).pipe(Layer.provideMerge(clientLayer(gh.url, { requestTimeout: "10 seconds" })))
      const [cut, next] = yield* Effect.gen(function*() {
        const cut = yield* runCycle(targets, { ...cycleOptions, deadline: "300 millis" })
        const next = yield* runCycle(targets, { ...cycleOptions, deadline: "5 seconds" })
        return [cut, next] as const
      }).pipe(Effect.provide(layer))
      expect(cut.results[0]?.check.status).toBe(3)
      expect(cut.results[0]?.check.message).toContain("deadline")
      expect(cut.durationMillis).toBeLessThan(2000)
      expect(next.results[0]?.check.status).toBe(0)
    }), { timeout: 20_000 })
})

describe("cost (GitHub's formula, computed by the fake on the real query)", () => {
  it.scoped("1,000 targets: at most 80 points and 40 queries, each far under 500,000 nodes", () =>
    Effect.gen(function*() {
      const repos: Record<string, RefSpec> = {}
      for (let i = 0; i < 1000; i++) {
        repos[`big/repo-${i}@main`] = i % 10 === 1
          ? { checkRuns: runs(150, 120), checkSuites: [{}] }
          : { statuses: [{ context: "ci", state: i % 10 === 3 ? "failure" : "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
      }
      const gh = yield* fakeGitHub({ repos })
      const targets = Object.keys(repos).map((k) => target(k))
      const { checks, stats } = yield* cycle(graphql(), gh.url, targets)
      const cost = gh.graphql.reduce((n, q) => n + q.cost, 0)
      expect(cost).toBeLessThanOrEqual(80)
      expect(gh.graphql.length).toBeLessThanOrEqual(40)
      // 20 batches of 50, and the second pages of the 100 long targets in shared follow-ups (not one per batch).
      expect(gh.graphql.length).toBeLessThanOrEqual(24)
      expect(cost).toBeLessThanOrEqual(24)
      expect(Math.max(...gh.graphql.map((q) => q.nodes))).toBeLessThan(500_000)
      expect(stats.graphqlCost).toBe(cost)
      expect(checks.filter((c) => c.status === 1)).toHaveLength(200)
    }), { timeout: 60_000 })
})

describe("errors", () => {
  it.scoped("a field the token may not read fails only the sources that read it", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { statuses: [{ context: "ci", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] } },
        graphqlErrors: { "acme/api@main": { field: "checkSuites", type: "FORBIDDEN", message: "Resource not accessible by integration" } }
      })
      const { results } = yield* cycle(graphql(), gh.url, [target("acme/api@main")])
      const byId = Object.fromEntries(results[0]!.verdicts.map((v) => [v.source, v.verdict]))
      expect(byId["status"]?._tag).toBe("Passing")
      expect(byId["check_runs"]?._tag).toBe("Passing")
      expect(byId["check_suites"]).toMatchObject({ _tag: "Unknown", reason: "forbidden" })
      expect(results[0]?.check.message).toContain("Resource not accessible by integration")
    }))

  it.scoped("SAML-protected repository: forbidden for that target, the others are read", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { checkRuns: [{ name: "build" }] }, "sso/api@main": { checkRuns: [{ name: "build" }] } },
        graphqlErrors: { "sso/api": { field: "repository", type: "FORBIDDEN", message: "Resource protected by organization SAML enforcement." } }
      })
      const { checks } = yield* cycle(graphql(), gh.url, [target("acme/api@main"), target("sso/api@main")])
      expect(checks.map((c) => c.status)).toEqual([0, 3])
      expect(checks[1]?.message).toContain("SAML")
    }))

  it.scopedLive("a server error is retried; a bad token is status 3 for every target, saying so", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": { checkRuns: [{ name: "build" }] } },
        faults: { graphql: { status: 502, body: { message: "Server Error" }, times: 1 } }
      })
      const ok = yield* cycle(graphql(), gh.url, [target("acme/api@main")])
      expect(ok.checks[0]?.status).toBe(0)
      gh.setFault("graphql", { status: 401, body: { message: "Bad credentials" } })
      const bad = yield* cycle(graphql(), gh.url, [target("acme/api@main")])
      expect(bad.checks[0]?.status).toBe(3)
      expect(bad.checks[0]?.message).toContain("401")
      expect(bad.results[0]?.verdicts.every((v) => v.verdict._tag === "Unknown" && v.verdict.reason === "unauthorized")).toBe(true)
    }), { timeout: 20_000 })

  it.scoped("without a token nothing is sent: every target says GraphQL needs one", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": {} } })
      const { checks } = yield* cycle(graphql(), gh.url, [target("acme/api@main")], { token: Option.none() })
      expect(checks[0]?.status).toBe(3)
      expect(checks[0]?.message).toContain("GraphQL API needs a token")
      expect(gh.requests).toHaveLength(0)
    }))

  it.scoped("GraphQL's rate limit (200 with RATE_LIMITED) is reported with its reset time", () =>
    Effect.gen(function*() {
      const reset = Math.floor(Date.now() / 1000) + 1800
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": {} },
        faults: {
          graphql: {
            status: 200,
            body: { errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for user ID 1." }] },
            headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) }
          }
        }
      })
      const { checks, results } = yield* cycle(graphql(), gh.url, [target("acme/api@main")])
      expect(checks[0]?.status).toBe(3)
      expect(results[0]?.verdicts[0]?.verdict).toMatchObject({ _tag: "Unknown", reason: "rate_limited" })
      expect(checks[0]?.message).toMatch(/rate limited until \d\d:\d\d:\d\d UTC/)
    }))
})

describe("the fake holds our queries to GitHub's schema and limits", () => {
  const post = (url: string, query: string, variables: object = {}) =>
    Effect.promise(() =>
      fetch(`${url}/graphql`, { method: "POST", headers: { authorization: `Bearer ghp_GraphQLTestToken0123456789abcdefABCD` }, body: JSON.stringify({ query, variables }) })
        .then((r) => r.json() as Promise<{ data?: unknown; errors?: Array<{ message: string; type?: string }> }>)
    )
  it.scoped("a field GitHub does not have, a connection without `first`, or first: 101 is rejected", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": {} } })
      const unknown = yield* post(gh.url, `{ repository(owner: "acme", name: "api") { object(expression: "main") { ... on Commit { checkRunz { id } } } } }`)
      expect(unknown.errors?.[0]?.message).toContain("checkRunz")
      const unbounded = yield* post(gh.url, `{ repository(owner: "acme", name: "api") { object(expression: "main") { ... on Commit { checkSuites { totalCount } } } } }`)
      expect(unbounded.errors?.[0]?.type).toBe("MISSING_PAGINATION_BOUNDARIES")
      const tooMany = yield* post(gh.url, `{ repository(owner: "acme", name: "api") { object(expression: "main") { ... on Commit { checkSuites(first: 101) { totalCount } } } } }`)
      expect(tooMany.errors?.[0]?.type).toBe("EXCESSIVE_PAGINATION")
    }))

  it.scoped("cost follows GitHub's formula: 50 aliases of checkSuites(first: 10) { checkRuns(first: 10) } cost 6", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": { checkSuites: [{}] } } })
      const aliases = Array.from({ length: 50 }, (_, i) =>
        `a${i}: repository(owner: "acme", name: "api") { object(expression: "main") { ... on Commit { checkSuites(first: 10) { nodes { checkRuns(first: 10) { totalCount } } } } } }`
      )
      const answer = yield* post(gh.url, `{ rateLimit { cost } ${aliases.join(" ")} }`)
      expect(answer.errors).toBeUndefined()
      expect((answer.data as { rateLimit: { cost: number } }).rateLimit.cost).toBe(6)
      expect(gh.graphql[0]?.requests).toBe(550)
    }))
})

describe("fetchStates", () => {
  it.scoped("an annotated tag is read through to its commit", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: fixtures })
      const states = yield* Effect.flatMap(GitHubClient, (github) => fetchStates(github, 50)([target("acme/tagged@v1.2.0")])).pipe(
        Effect.provide(clientLayer(gh.url))
      )
      const state = states[0]!
      expect(Either.isRight(state)).toBe(true)
      if (Either.isRight(state)) expect(state.right.runs?.map((r) => r.conclusion)).toEqual(["failure"])
      expect(gh.graphql).toHaveLength(2)
    }))

  it.scoped("GitHub Enterprise Server: the query goes to /api/graphql", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: fixtures })
      const layer = clientLayer(`${gh.url}/api/v3`)
      const states = yield* Effect.flatMap(GitHubClient, (github) => fetchStates(github, 50)([target("acme/api@main")])).pipe(
        Effect.provide(Layer.fresh(layer))
      )
      expect(Either.isRight(states[0]!)).toBe(true)
      expect(gh.requests.map((r) => r.path)).toEqual(["/api/graphql"])
    }))
})
