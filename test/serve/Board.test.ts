import { describe, expect, it } from "@effect/vitest"
import { commitStatusVerdict } from "../../src/domain/Status.ts"
import type { SourceVerdict } from "../../src/domain/Verdict.ts"
import { failing, passing, passingWith, unknown } from "../../src/domain/Verdict.ts"
import { emptyBoard, health, recordCycle, runningNames, targetViews } from "../../src/serve/Board.ts"
import { renderCctray } from "../../src/serve/Cctray.ts"
import { commitsUrl, safeHref, webBase } from "../../src/serve/Links.ts"
import { metricFamilies, statusLabels } from "../../src/serve/Metrics.ts"
import { exposition } from "../../src/serve/Exposition.ts"
import { escapeHtml, renderStatusPage } from "../../src/serve/StatusPage.ts"
import { noRequests } from "../../src/serve/GitHubTraffic.ts"
import { boardAfter, cycleResult, family, parseCctray, parseExposition, target } from "./support.ts"

const green = target("acme/green@main", ["team:platform"])
const red = target("acme/red@main", ["team:platform", "repo:shadowed", "cost-center:42", "cost_center:dup"])
const running = target("acme/running@release/v2")
const ghost = target("acme/ghost@main")

const all = (v: SourceVerdict["verdict"]): ReadonlyArray<SourceVerdict> => [
  { source: "status", verdict: commitStatusVerdict({ state: "pending", statuses: [] }) },
  { source: "check_runs", verdict: v },
  { source: "check_suites", verdict: passing }
]
const xss = "<img src=x onerror=alert(1)>"
const entries = [
  [green, all(passing)],
  [red, all(failing([
    { name: "e2e", conclusion: "failure", url: "https://github.com/acme/red/runs/3" },
    { name: xss, conclusion: "timed_out", url: "javascript:alert(1)" },
    { name: "ctl\u0001char & \"q\"", conclusion: "failure" }
  ]))],
  [running, all(passingWith(["deploy"]))],
  [ghost, all(unknown("not_found", "not found (404): the repository does not exist or the token cannot see it"))]
] as const

describe("Board", () => {
  it("keeps when a target entered its level, and resets it when the level changes", () => {
    const first = boardAfter(entries, { finishedAt: 1000 })
    expect(first.since.get("acme/red@main")).toBe(1000)
    const same = recordCycle(first, { result: cycleResult(entries), finishedAt: 2000, rateLimitRemaining: 10, requests: noRequests })
    expect(same.since.get("acme/red@main")).toBe(1000)
    expect(same.cycles).toBe(2)
    const fixed = recordCycle(same, {
      result: cycleResult(entries.map(([t, v]) => [t, t === red ? all(passing) : v] as const)),
      finishedAt: 3000,
      rateLimitRemaining: 10,
      requests: noRequests
    })
    expect(fixed.since.get("acme/red@main")).toBe(3000)
    expect(fixed.since.get("acme/green@main")).toBe(1000)
  })

  it("health: 503 before the first cycle, 200 while fresh, 503 after 3 intervals", () => {
    const start = emptyBoard([green], 60_000, 0)
    expect(health(start, 5_000)).toEqual({ healthy: false, message: expect.stringMatching(/^starting: the first cycle has not finished yet/) })
    const done = boardAfter([[green, all(passing)]], { finishedAt: 100_000, intervalMillis: 60_000 })
    expect(health(done, 100_000 + 179_000).healthy).toBe(true)
    const stale = health(done, 100_000 + 180_000)
    expect(stale.healthy).toBe(false)
    expect(stale.message).toMatch(/^stale: the last cycle finished 180s ago/)
  })

  it("a commit with no statuses at all is not a running build; a check run in progress is", () => {
    expect(runningNames(all(passing))).toEqual([])
    expect(runningNames(all(passingWith(["deploy"])))).toEqual(["deploy"])
    expect(runningNames([{ source: "status", verdict: passingWith(["ci/jenkins"]) }])).toEqual(["ci/jenkins"])
  })

  it("targets not yet checked are pending, in configuration order", () => {
    expect(targetViews(emptyBoard([green, red], 1000, 0)).map((v) => [v.key, v.level])).toEqual([
      ["acme/green@main", "pending"],
      ["acme/red@main", "pending"]
    ])
  })
})

describe("Links", () => {
  it.each([
    ["https://api.github.com", "https://github.com"],
    ["https://ghe.example.com/api/v3", "https://ghe.example.com"],
    ["https://ghe.example.com/api/v3/", "https://ghe.example.com"],
    ["https://example.com/github/api/v3", "https://example.com/github"],
    ["https://api.acme.ghe.com", "https://acme.ghe.com"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"]
  ])("web address of %s is %s", (api, web) => {
    expect(webBase(api)).toBe(web)
  })

  it("links a ref with slashes to its commits page", () => {
    expect(commitsUrl("https://github.com", running)).toBe("https://github.com/acme/running/commits/release/v2")
    expect(commitsUrl("https://github.com", target("a/b@feat/x y#1"))).toBe("https://github.com/a/b/commits/feat/x%20y%231")
  })

  it("only http(s) URLs become links", () => {
    expect(safeHref("https://ci.example/job/1")).toBe("https://ci.example/job/1")
    expect(safeHref("javascript:alert(1)")).toBeUndefined()
    expect(safeHref("data:text/html,x")).toBeUndefined()
    expect(safeHref("not a url")).toBeUndefined()
    expect(safeHref(undefined)).toBeUndefined()
  })
})

describe("metrics of a board", () => {
  const board = boardAfter(entries, { finishedAt: 1_700_000_060_500, rateLimitRemaining: 4321, requests: { ...noRequests, ok: 9, not_modified: 3 } })

  it("labels: owner, repo, ref, then the tags as valid label names; a taken name is left out", () => {
    expect(statusLabels(red)).toEqual([["owner", "acme"], ["repo", "red"], ["ref", "main"], ["team", "platform"], ["cost_center", "42"]])
  })

  it.each(["prometheus", "openmetrics"] as const)("%s: status 0/1/3, failing checks, cycle time, requests by result", (format) => {
    const parsed = parseExposition(exposition(metricFamilies(board), format), format)
    const status = family(parsed, "github_ci_monitor_status").samples.map((s) => [s.labels["repo"], s.value])
    expect(status).toEqual([["green", 0], ["red", 1], ["running", 0], ["ghost", 3]])
    expect(family(parsed, "github_ci_monitor_failing_checks").samples.map((s) => [s.labels, s.value])).toEqual([
      [{ owner: "acme", repo: "green", ref: "main" }, 0],
      [{ owner: "acme", repo: "red", ref: "main" }, 3],
      [{ owner: "acme", repo: "running", ref: "release/v2" }, 0],
      [{ owner: "acme", repo: "ghost", ref: "main" }, 0]
    ])
    expect(family(parsed, "github_ci_monitor_last_cycle_timestamp_seconds").samples[0]?.value).toBe(1_700_000_060.5)
    expect(family(parsed, "github_ci_monitor_cycle_duration_seconds").samples[0]?.value).toBe(0.25)
    expect(family(parsed, "github_ci_monitor_github_rate_limit_remaining").samples[0]?.value).toBe(4321)
    const requests = family(parsed, "github_ci_monitor_github_requests")
    expect(requests.type).toBe("counter")
    expect(Object.fromEntries(requests.samples.map((s) => [s.labels["result"], s.value]))).toEqual({
      ok: 9,
      not_modified: 3,
      rate_limited: 0,
      client_error: 0,
      server_error: 0,
      transport_error: 0,
      cancelled: 0
    })
  })

  it("before the first cycle: the families, without per-target or cycle samples", () => {
    const parsed = parseExposition(exposition(metricFamilies(emptyBoard([green], 1000, 0)), "openmetrics"), "openmetrics")
    expect(family(parsed, "github_ci_monitor_status").samples).toEqual([])
    expect(family(parsed, "github_ci_monitor_last_cycle_timestamp_seconds").samples).toEqual([])
    expect(family(parsed, "github_ci_monitor_github_rate_limit_remaining").samples).toEqual([])
  })
})

describe("cctray feed", () => {
  it("one Project per target with the cctray attributes, escaped, parsed by an XML parser", () => {
    const projects = parseCctray(renderCctray(boardAfter(entries, { finishedAt: Date.UTC(2024, 4, 1, 10, 32, 5, 123) }), "https://github.com"))
    expect(projects.map((p) => [p.name, p.activity, p.lastBuildStatus])).toEqual([
      ["acme/green@main", "Sleeping", "Success"],
      ["acme/red@main", "Sleeping", "Failure"],
      ["acme/running@release/v2", "Building", "Success"],
      ["acme/ghost@main", "Sleeping", "Unknown"]
    ])
    const redProject = projects[1]
    // A control character shows as U+FFFD, as on the page: something was there.
    expect(redProject?.lastBuildLabel).toBe(`3 failing: e2e, ${xss}, ctl\uFFFDchar & "q"`)
    expect(redProject?.lastBuildTime).toBe("2024-05-01T10:32:05Z")
    expect(redProject?.webUrl).toBe("https://github.com/acme/red/commits/main")
    expect(projects[2]?.webUrl).toBe("https://github.com/acme/running/commits/release/v2")
  })

  it("before the first cycle every project is CheckingModifications / Unknown", () => {
    const projects = parseCctray(renderCctray(emptyBoard([green, ghost], 1000, 0), "https://github.com"))
    expect(projects.map((p) => [p.activity, p.lastBuildStatus, p.lastBuildTime])).toEqual([
      ["CheckingModifications", "Unknown", "1970-01-01T00:00:00Z"],
      ["CheckingModifications", "Unknown", "1970-01-01T00:00:00Z"]
    ])
  })
})

describe("status page (HTML)", () => {
  const html = renderStatusPage(boardAfter(entries), "https://github.com", 1_700_000_061_000)

  it("escapes every text from GitHub and the configuration", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;")
    expect(html).not.toContain(xss)
    expect(html).toContain(escapeHtml(xss))
  })

  it("links only http(s) URLs", () => {
    expect(html).not.toContain("javascript:")
    expect(html).toContain(`<a href="https://github.com/acme/red/runs/3">e2e</a>`)
  })

  it("refreshes itself, fits a phone, and runs no script", () => {
    expect(html).toContain(`<meta http-equiv="refresh" content="30">`)
    expect(html).toContain(`<meta name="viewport" content="width=device-width, initial-scale=1">`)
    expect(html).not.toMatch(/<script/i)
  })
})
