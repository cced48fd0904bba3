/**
 * The real CLI, as a child process, against the fake GitHub and Datadog servers: what a user of
 * `run --once`, `validate`, `--help` and `--version` sees (exit code, stdout, stderr) and what
 * Datadog receives.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import { serversOfThisFile } from "../support/servers.ts"
import type { CheckRunSpec, FakeGitHub, FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { listen } from "../support/http.ts"
import { root, runCli, tmpDir, writeConfig } from "./support.ts"
import type { CliOptions, CliResult } from "./support.ts"

// ---------------------------------------------------------------------------------------------
// Secrets and shared helpers

const TOKEN = "ghp_E2eT0kenNeverPrinted1234567890abcd"
const KEY = "e2eddkey0123456789abcdefneverprinted"
const ALT_TOKEN = "ghp_AltAccessTokenNeverPrinted0987654321"
const ALT_KEY = "altdatadogkeyneverprinted0987654321ab"
const SECRETS = [TOKEN, KEY, ALT_TOKEN, ALT_KEY]

/** Runs the CLI and checks, in every scenario, that no secret reaches stdout or stderr. */
const cli = async (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> => {
  const result = await runCli(args, options)
  for (const secret of SECRETS) {
    expect(result.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(result.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
  return result
}

/** The token reached GitHub on every request as `Authorization: Bearer …`, and nowhere else. */
const expectTokenOnlyAsBearer = (gh: FakeGitHub, token: string) => {
  expect(gh.requests.length).toBeGreaterThan(0)
  for (const r of gh.requests) {
    expect(r.headers["authorization"]).toBe(`Bearer ${token}`)
    const { authorization: _, ...otherHeaders } = r.headers
    expect(JSON.stringify({ path: r.path, query: r.query, otherHeaders })).not.toContain(token)
  }
}

/** The key reached Datadog on every request in the `DD-API-KEY` header, never in a URL or elsewhere. */
const expectKeyOnlyInHeader = (dd: FakeDatadog, key: string) => {
  expect(dd.requests.length).toBeGreaterThan(0)
  for (const r of dd.requests) {
    expect(r.headers["dd-api-key"]).toBe(key)
    expect(r.url).not.toContain(key)
    expect(r.body).not.toContain(key)
    const { "dd-api-key": _, ...otherHeaders } = r.headers
    expect(JSON.stringify(otherHeaders)).not.toContain(key)
  }
}

const { github, datadog } = serversOfThisFile()
/** A URL where nothing listens (a server that was started and closed again). */
const deadUrl = async () => {
  const server = await listen((_req, res) => res.end())
  await server.close()
  return server.url
}

/** Configuration as JSON (which is YAML) in a temporary file. */
const config = (value: object) => writeConfig(JSON.stringify(value, null, 2))
const repo = (key: string, extra: object = {}) => {
  const at = key.indexOf("@")
  const [owner, name] = key.slice(0, at).split("/")
  return { owner, repo: name, ref: key.slice(at + 1), ...extra }
}

const tag = (c: ServiceCheck, name: string) => c.tags.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1)
const targetOf = (c: ServiceCheck) => (tag(c, "repo") === undefined ? undefined : `${tag(c, "owner")}/${tag(c, "repo")}@${tag(c, "ref")}`)
/** The checks by target; fails unless every target has exactly one. */
const byTarget = (checks: ReadonlyArray<ServiceCheck>) => {
  const map = new Map<string, ServiceCheck>()
  for (const c of checks) {
    const key = targetOf(c)
    if (key === undefined) continue
    expect(map.has(key), `more than one check for ${key}`).toBe(false)
    map.set(key, c)
  }
  return map
}
const checkOf = (map: Map<string, ServiceCheck>, key: string): ServiceCheck => {
  const c = map.get(key)
  if (c === undefined) throw new Error(`no check for ${key}; got ${[...map.keys()].join(", ")}`)
  return c
}
const selfChecks = (checks: ReadonlyArray<ServiceCheck>) => checks.filter((c) => targetOf(c) === undefined)

const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success", target_url: "https://jenkins.example/job/1" }],
  checkRuns: [{ name: "build" }, { name: "test" }],
  checkSuites: [{ app_name: "GitHub Actions" }]
}

/** Env for a run that sends to Datadog with the token and key set. */
const sendingEnv = (gh: FakeGitHub, dd: FakeDatadog): Record<string, string> => ({
  GITHUB_TOKEN: TOKEN,
  GITHUB_API_URL: gh.url,
  DD_API_KEY: KEY,
  DD_API_URL: dd.url
})

// ---------------------------------------------------------------------------------------------

describe("run --once against a mixed set of targets", () => {
  const failingRun = 230
  const paged: CheckRunSpec[] = Array.from({ length: 250 }, (_, i) =>
    i + 1 === failingRun
      ? { name: "integration (shard 230)", conclusion: "failure", html_url: "https://github.com/acme/paged/runs/230" }
      : { name: `unit ${i + 1}` })
  const targets = [
    repo("acme/green@main", { tags: { codeowner: "sre" } }),
    repo("acme/red-status@main"),
    repo("acme/paged@main"),
    repo("acme/pending@main"),
    repo("acme/api@release/v2"),
    repo("acme/ghost@main"),
    repo("acme/api@no-such-branch"),
    repo("acme/flaky@main"),
    repo("acme/garbled@main"),
    repo("acme/odd@main")
  ]
  let gh: FakeGitHub
  let dd: FakeDatadog
  let result: CliResult
  let checks: Map<string, ServiceCheck>

  beforeAll(async () => {
    gh = await github({
      token: TOKEN,
      repos: {
        "acme/green@main": green,
        "acme/red-status@main": {
          ...green,
          statuses: [
            { context: "ci/jenkins", state: "success" },
            { context: "security/snyk", state: "failure", target_url: "https://snyk.example/acme/red-status" }
          ]
        },
        "acme/paged@main": { ...green, checkRuns: paged },
        "acme/pending@main": {
          statuses: [{ context: "ci/jenkins", state: "pending" }],
          checkRuns: [{ name: "build", status: "in_progress" }, { name: "deploy", status: "queued" }],
          checkSuites: [{ status: "in_progress" }, { status: "queued", latest_check_runs_count: 0 }]
        },
        "acme/api@release/v2": green,
        "acme/flaky@main": green,
        "acme/garbled@main": green,
        "acme/odd@main": green
      },
      faults: {
        "acme/flaky@main:check-suites": { status: 500, body: { message: "Server Error" } },
        "acme/garbled@main:check-runs": { status: 200, body: "<html><body>Unicorn! This page is taking too long</body></html>" },
        "acme/odd@main:status": { status: 200, body: { foo: 1 } }
      }
    })
    dd = await datadog({ apiKey: KEY })
    const file = config({ tags: { team: "platform" }, repos: targets })
    result = await cli(["run", "--once", "--config", file], { env: sendingEnv(gh, dd) })
    checks = byTarget(dd.checks)
  })

  it("exits 0 and says on stderr that every check was sent", () => {
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/^github-ci-monitor: sent 11 of 11 checks to Datadog \(.*\) in \d+ ms \(cycle (\d+ ms|\d+\.\d s)\): 3 OK, 2 failing, 5 unknown$/m)
    expect(result.stderr).not.toMatch(/NOT delivered|error/i)
  })

  it("delivers exactly one check per target plus one self-check", () => {
    expect(dd.checks).toHaveLength(targets.length + 1)
    expect([...checks.keys()].sort()).toEqual(targets.map((t) => `${t.owner}/${t.repo}@${t.ref}`).sort())
    expect(selfChecks(dd.checks)).toHaveLength(1)
    for (const c of dd.checks) {
      expect(c.host_name).toBe("github-ci-monitor")
      expect(c.timestamp).toBeGreaterThan(Date.now() / 1000 - 120)
      expect(c.timestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1)
    }
  })

  it("sends 0 for passing and pending targets, 1 for failing ones, 3 for unknown ones", () => {
    const statuses = Object.fromEntries([...checks].map(([k, c]) => [k, c.status]))
    expect(statuses).toEqual({
      "acme/green@main": 0,
      "acme/red-status@main": 1,
      "acme/paged@main": 1,
      "acme/pending@main": 0,
      "acme/api@release/v2": 0,
      "acme/ghost@main": 3,
      "acme/api@no-such-branch": 3,
      "acme/flaky@main": 3,
      "acme/garbled@main": 3,
      "acme/odd@main": 3
    })
    for (const c of checks.values()) expect(c.check).toBe("ci.ok")
  })

  it("tags each check with owner, repo, the ref exactly as configured, and the global and per-target tags", () => {
    expect(checkOf(checks, "acme/green@main").tags).toEqual(["owner:acme", "repo:green", "ref:main", "team:platform", "codeowner:sre"])
    expect(checkOf(checks, "acme/api@release/v2").tags).toEqual(["owner:acme", "repo:api", "ref:release/v2", "team:platform"])
    expect(checkOf(checks, "acme/ghost@main").tags).toEqual(["owner:acme", "repo:ghost", "ref:main", "team:platform"])
  })

  it("names the failing status context with its link, and not the passing one", () => {
    const message = checkOf(checks, "acme/red-status@main").message ?? ""
    expect(message).toMatch(/^CI failing on acme\/red-status@main: security\/snyk \(failure\) https:\/\/snyk\.example\/acme\/red-status/)
    expect(message).not.toContain("ci/jenkins")
    expect(message.length).toBeLessThanOrEqual(500)
  })

  it("finds a failing check run on page 3 of 250 and names it with its link", () => {
    const message = checkOf(checks, "acme/paged@main").message ?? ""
    expect(message).toContain("integration (shard 230) (failure) https://github.com/acme/paged/runs/230")
    expect(message).not.toContain("unit ")
  })

  it("fetches pages 2 and 3 through GitHub's Link URL (/repositories/{id}/…)", () => {
    const pagedRuns = gh.requests.filter((r) =>
      r.path === "/repos/acme/paged/commits/main/check-runs" || /^\/repositories\/\d+\/commits\/main\/check-runs$/.test(r.path)
    )
    expect(pagedRuns.map((r) => [r.path.startsWith("/repositories/") ? "link" : "repos", r.query["page"] ?? "1"])).toEqual([
      ["repos", "1"],
      ["link", "2"],
      ["link", "3"]
    ])
    // Only the first page uses the /repos/ path; no page is fetched twice.
    expect(gh.requests.filter((r) => r.path.startsWith("/repositories/"))).toHaveLength(2)
  })

  it("treats a pending commit status, runs in progress and an app that never started as not failing", () => {
    const pending = checkOf(checks, "acme/pending@main")
    expect(pending.status).toBe(0)
    // Not failing, but what is still running is named (the suite that never started is not).
    expect(pending.message).toMatch(/^No failures on acme\/pending@main; still running: /)
    for (const name of ["ci/jenkins", "build", "deploy"]) expect(pending.message).toContain(name)
    expect(pending.message).not.toContain("CI failing")
  })

  it("requests a ref with slashes encoded and reports it with its slash", () => {
    const paths = gh.requests.filter((r) => r.path.includes("/repos/acme/api/commits/release")).map((r) => r.path)
    expect(paths.sort()).toEqual([
      "/repos/acme/api/commits/release%2Fv2/check-runs",
      "/repos/acme/api/commits/release%2Fv2/check-suites",
      "/repos/acme/api/commits/release%2Fv2/status"
    ])
    expect(checkOf(checks, "acme/api@release/v2").message).toContain("acme/api@release/v2")
  })

  it("explains unknown targets: a missing repository (404) and a missing ref (422), named once for all sources", () => {
    const ghost = checkOf(checks, "acme/ghost@main").message ?? ""
    expect(ghost).toMatch(/^Could not tell the CI state of acme\/ghost@main: commit status, check runs, check suites: not found \(404\)/)
    expect(ghost.match(/404/g)).toHaveLength(1)
    expect(checkOf(checks, "acme/api@no-such-branch").message).toContain("ref not found (422: No commit found for SHA: no-such-branch)")
  })

  it("does not retry a 404 or a 422: one request per source", () => {
    expect(gh.requests.filter((r) => r.path.startsWith("/repos/acme/ghost/"))).toHaveLength(3)
    expect(gh.requests.filter((r) => r.path.startsWith("/repos/acme/api/commits/no-such-branch/"))).toHaveLength(3)
  })

  it("makes a target unknown when one source keeps failing with 500, after retrying it", () => {
    const message = checkOf(checks, "acme/flaky@main").message ?? ""
    expect(message).toContain("check suites: GitHub server error (500: Server Error)")
    expect(message).not.toContain("commit status")
    expect(gh.requests.filter((r) => r.path === "/repos/acme/flaky/commits/main/check-suites").length).toBeGreaterThan(1)
  })

  it("makes a target unknown for a body that is not JSON, or JSON of the wrong shape", () => {
    expect(checkOf(checks, "acme/garbled@main").message).toMatch(/check runs: .*the body is not JSON/)
    expect(checkOf(checks, "acme/garbled@main").message).not.toContain("Unicorn")
    expect(checkOf(checks, "acme/odd@main").message).toMatch(
      /commit status: unexpected response body from \/repos\/acme\/odd\/commits\/main\/status/
    )
  })

  it("sends a self-check counting the targets, with the global tags and no repo tag", () => {
    const [self] = selfChecks(dd.checks)
    expect(self).toMatchObject({
      check: "github_ci_monitor.up",
      host_name: "github-ci-monitor",
      status: 0,
      tags: ["team:platform"],
      message: "github-ci-monitor checked 10 targets: 3 OK, 2 failing, 5 unknown"
    })
  })

  it("sends the token to GitHub only as a Bearer header and the key to Datadog only in DD-API-KEY", () => {
    expectTokenOnlyAsBearer(gh, TOKEN)
    expectKeyOnlyInHeader(dd, KEY)
    for (const r of dd.requests) expect(r.url).toBe("/api/v1/check_run")
  })
})

// ---------------------------------------------------------------------------------------------

describe("run --once: conclusions, fail_on and failing_status", () => {
  const conclusions = [
    ["action_required", 1],
    ["cancelled", 0],
    ["failure", 1],
    ["neutral", 0],
    ["success", 0],
    ["skipped", 0],
    ["stale", 0],
    ["startup_failure", 1],
    ["timed_out", 1]
  ] as const
  const repos: Record<string, RefSpec> = {
    ...Object.fromEntries(conclusions.map(([c]) => [`acme/c-${c}@main`, { checkRuns: [{ name: "build" }, { name: `job-${c}`, conclusion: c }] }])),
    "acme/c-in_progress@main": { checkRuns: [{ name: "job-in_progress", status: "in_progress" }] },
    "acme/c-queued@main": { checkRuns: [{ name: "job-queued", status: "queued" }] },
    "acme/strict@cancelled": { checkRuns: [{ name: "deploy", conclusion: "cancelled", html_url: "https://ci.example/deploy" }] },
    "acme/strict@failed": { checkRuns: [{ name: "deploy", conclusion: "failure" }] },
    "acme/suite@failing": { checkSuites: [{ app_name: "Travis CI", conclusion: "timed_out" }, { app_name: "GitHub Actions" }] },
    "acme/suite@never-started": { checkSuites: [{ app_name: "Stale App", status: "queued", latest_check_runs_count: 0 }] },
    "acme/status@error": { statuses: [{ context: "ci/circle", state: "error", target_url: "https://circle.example/1" }] },
    "acme/many@main": {
      checkRuns: Array.from({ length: 40 }, (_, i) => ({
        name: `matrix (node ${i + 1})`,
        conclusion: "failure",
        html_url: `https://github.com/acme/many/actions/runs/123456789/job/${1000 + i}`
      }))
    }
  }
  const targets = [
    ...[...conclusions.map(([c]) => c), "in_progress", "queued"].map((c) => repo(`acme/c-${c}@main`, { check_run: true })),
    repo("acme/strict@cancelled", { check_run: true, fail_on: ["cancelled"] }),
    repo("acme/strict@failed", { check_run: true, fail_on: ["cancelled"] }),
    repo("acme/suite@failing", { check_suite: true }),
    repo("acme/suite@never-started", { check_suite: true }),
    repo("acme/status@error", { status: true }),
    repo("acme/many@main", { check_run: true })
  ]
  let dd1: FakeDatadog
  let dd2: FakeDatadog
  let results: [CliResult, CliResult]

  beforeAll(async () => {
    const gh = await github({ token: TOKEN, repos })
    dd1 = await datadog({ apiKey: KEY })
    dd2 = await datadog({ apiKey: KEY })
    results = await Promise.all([
      cli(["run", "--once", "--config", config({ repos: targets })], { env: sendingEnv(gh, dd1) }),
      cli(["run", "--once", "--config", config({ failing_status: 2, repos: targets })], { env: sendingEnv(gh, dd2) })
    ])
  })

  it("both runs exit 0 with every check delivered", () => {
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    expect(dd1.checks).toHaveLength(targets.length + 1)
    expect(dd2.checks).toHaveLength(targets.length + 1)
  })

  it.each(conclusions)("a check run concluding %s sends %i with the default fail_on", (conclusion, status) => {
    const c = checkOf(byTarget(dd1.checks), `acme/c-${conclusion}@main`)
    expect(c.status).toBe(status)
    if (status === 1) expect(c.message).toMatch(new RegExp(`^CI failing on acme/c-${conclusion}@main: job-${conclusion} \\(${conclusion}\\) https://`))
    else expect(c.message).toBe(`CI passing on acme/c-${conclusion}@main (check runs)`)
  })

  it("runs still queued or in progress are not failing", () => {
    const checks = byTarget(dd1.checks)
    expect(checkOf(checks, "acme/c-in_progress@main").status).toBe(0)
    expect(checkOf(checks, "acme/c-queued@main").status).toBe(0)
  })

  it("a target's fail_on replaces the default: [cancelled] fails on cancelled, not on failure", () => {
    const checks = byTarget(dd1.checks)
    expect(checkOf(checks, "acme/strict@cancelled")).toMatchObject({
      status: 1,
      message: "CI failing on acme/strict@cancelled: deploy (cancelled) https://ci.example/deploy"
    })
    expect(checkOf(checks, "acme/strict@failed").status).toBe(0)
  })

  it("a check suite fails like a run and is named by its app; a suite that never started is ignored", () => {
    const checks = byTarget(dd1.checks)
    const failing = checkOf(checks, "acme/suite@failing")
    expect(failing.status).toBe(1)
    expect(failing.message).toMatch(/^CI failing on acme\/suite@failing: Travis CI \(timed_out\)/)
    expect(failing.message).not.toContain("GitHub Actions")
    expect(checkOf(checks, "acme/suite@never-started").status).toBe(0)
  })

  it("a commit status in error fails, named with its link", () => {
    expect(checkOf(byTarget(dd1.checks), "acme/status@error")).toMatchObject({
      status: 1,
      message: "CI failing on acme/status@error: ci/circle (error) https://circle.example/1"
    })
  })

  it("a message with many failures keeps the first ones whole, fits Datadog's 500 characters, and counts the rest", () => {
    const message = checkOf(byTarget(dd1.checks), "acme/many@main").message ?? ""
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message).toMatch(/^CI failing on acme\/many@main: matrix \(node 1\) \(failure\) https:\/\/github\.com\/acme\/many\/actions\/runs\/123456789\/job\/1000, matrix \(node 2\)/)
    const shown = message.match(/matrix \(node \d+\)/g) ?? []
    const more = /… and (\d+) more$/.exec(message)
    expect(more, message).not.toBeNull()
    expect(shown.length + Number(more?.[1])).toBe(40)
  })

  it("failing_status: 2 sends 2 (CRITICAL) for every failing target and leaves the others alone", () => {
    const normal = byTarget(dd1.checks)
    const critical = byTarget(dd2.checks)
    expect(critical.size).toBe(normal.size)
    for (const [key, c] of normal) {
      expect(checkOf(critical, key).status, key).toBe(c.status === 1 ? 2 : c.status)
    }
    expect([...critical.values()].filter((c) => c.status === 2)).toHaveLength(8)
    expect(results[1].stderr).toMatch(/\b8 failing\b/)
  })
})

// ---------------------------------------------------------------------------------------------

describe("run --once: sources a target does not enable are not fetched", () => {
  let gh: FakeGitHub
  let dd: FakeDatadog
  let result: CliResult
  const endpointsOf = (repoName: string) =>
    [...new Set(gh.requests.filter((r) => r.path.startsWith(`/repos/acme/${repoName}/`)).map((r) => r.path.split("/").pop()))].sort()

  beforeAll(async () => {
    // Every repository has a failing check run and suite: only a source that is asked can see them.
    const failingEverywhere: RefSpec = {
      statuses: [{ context: "ci/jenkins", state: "success" }],
      checkRuns: [{ name: "build", conclusion: "failure" }],
      checkSuites: [{ conclusion: "failure" }]
    }
    gh = await github({
      token: TOKEN,
      repos: { "acme/only-status@main": failingEverywhere, "acme/no-status@main": failingEverywhere, "acme/all@main": failingEverywhere }
    })
    dd = await datadog({ apiKey: KEY })
    const file = config({
      repos: [
        repo("acme/only-status@main", { status: true }),
        repo("acme/no-status@main", { status: false, check_run: true, check_suite: true }),
        repo("acme/all@main")
      ]
    })
    result = await cli(["run", "--once", "--config", file], { env: sendingEnv(gh, dd) })
  })

  it("a target with only `status: true` fetches only the status endpoint and passes", () => {
    expect(result.code, result.stderr).toBe(0)
    expect(endpointsOf("only-status")).toEqual(["status"])
    expect(checkOf(byTarget(dd.checks), "acme/only-status@main")).toMatchObject({
      status: 0,
      message: "CI passing on acme/only-status@main (commit status)"
    })
  })

  it("`status: false` is not fetched; the enabled sources are", () => {
    expect(endpointsOf("no-status")).toEqual(["check-runs", "check-suites"])
    expect(checkOf(byTarget(dd.checks), "acme/no-status@main").status).toBe(1)
  })

  it("with no source named, all three are fetched", () => {
    expect(endpointsOf("all")).toEqual(["check-runs", "check-suites", "status"])
  })
})

// ---------------------------------------------------------------------------------------------

describe("run --once: Datadog failures", () => {
  let gh: FakeGitHub
  let rejecting: FakeDatadog
  let broken: FakeDatadog
  let hiccup: FakeDatadog
  let results: { rejected: CliResult; broken: CliResult; hiccup: CliResult }

  beforeAll(async () => {
    gh = await github({ token: TOKEN, repos: { "acme/a@main": green, "acme/b@main": green } })
    rejecting = await datadog({ apiKey: "another-key-entirely" })
    broken = await datadog({ apiKey: KEY, faults: [{ status: 500, body: { errors: ["Internal Server Error"] }, times: 1_000 }] })
    hiccup = await datadog({ apiKey: KEY, faults: [{ status: 500, body: { errors: ["Internal Server Error"] } }] })
    const file = config({ repos: [repo("acme/a@main"), repo("acme/b@main")] })
    const run = (dd: FakeDatadog) => cli(["run", "--once", "--config", file], { env: sendingEnv(gh, dd) })
    const [rejected, brokenResult, hiccupResult] = await Promise.all([run(rejecting), run(broken), run(hiccup)])
    results = { rejected, broken: brokenResult, hiccup: hiccupResult }
  })

  it("a rejected key (403) exits 1 and names every check not delivered, never the key", () => {
    const { code, stderr } = results.rejected
    expect(code).toBe(1)
    expect(stderr).toMatch(/github-ci-monitor: error: 3 checks NOT delivered \(acme\/a@main, acme\/b@main, github_ci_monitor\.up\): Datadog rejected the API key \(403\)/)
    expect(stderr).toContain("sent 0 of 3 checks")
    expect(rejecting.checks).toHaveLength(0)
    // The key was sent, in its header only, and is not retried: a wrong key stays wrong.
    expectKeyOnlyInHeader(rejecting, KEY)
    expect(rejecting.requests).toHaveLength(1)
  })

  it("Datadog answering 500 forever exits 1 after retrying", () => {
    const { code, stderr } = results.broken
    expect(code).toBe(1)
    expect(stderr).toMatch(/error: 3 checks NOT delivered \(acme\/a@main, acme\/b@main, github_ci_monitor\.up\): Datadog answered 500/)
    expect(broken.checks).toHaveLength(0)
    expect(broken.requests.length).toBeGreaterThan(1)
  })

  it("Datadog answering 500 once is retried: exit 0, every check delivered exactly once", () => {
    const { code, stderr } = results.hiccup
    expect(code, stderr).toBe(0)
    expect(stderr).toContain("sent 3 of 3 checks")
    expect(stderr).not.toContain("NOT delivered")
    expect(hiccup.requests).toHaveLength(2)
    expect(hiccup.checks).toHaveLength(3)
    expect(byTarget(hiccup.checks).size).toBe(2)
    expect(selfChecks(hiccup.checks)).toHaveLength(1)
  })
})

// ---------------------------------------------------------------------------------------------

describe("run --once without sending: no key, -o json, --dry-run", () => {
  let gh: FakeGitHub
  let dd: FakeDatadog
  let table: CliResult
  let json: CliResult
  let dry: CliResult

  beforeAll(async () => {
    gh = await github({
      token: TOKEN,
      repos: {
        "acme/green@main": green,
        "acme/red@release/v2": { checkRuns: [{ name: "e2e", conclusion: "failure", html_url: "https://ci.example/e2e" }] }
      }
    })
    dd = await datadog({ apiKey: KEY })
    const file = config({ repos: [repo("acme/green@main"), repo("acme/red@release/v2"), repo("acme/ghost@main")] })
    const noKey = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    ;[table, json, dry] = await Promise.all([
      cli(["run", "--once", "--config", file], { env: noKey }),
      cli(["run", "--once", "--config", file, "-o", "json"], { env: noKey }),
      cli(["run", "--once", "--config", file, "--dry-run"], { env: sendingEnv(gh, dd) })
    ])
  })

  it("without a key prints a table with every target and says nothing was sent, exit 0", () => {
    expect(table.code, table.stderr).toBe(0)
    const lines = table.stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^STATUS\s+TARGET\s+MESSAGE$/)
    expect(lines).toHaveLength(5)
    expect(table.stdout).toMatch(/^OK \(0\)\s+acme\/green@main\s+CI passing on acme\/green@main/m)
    expect(table.stdout).toMatch(/^WARNING \(1\)\s+acme\/red@release\/v2\s+CI failing on acme\/red@release\/v2: e2e \(failure\) https:\/\/ci\.example\/e2e/m)
    expect(table.stdout).toMatch(/^UNKNOWN \(3\)\s+acme\/ghost@main\s+Could not tell .*not found \(404\)/m)
    expect(table.stdout).toMatch(/^OK \(0\)\s+\(github_ci_monitor\.up\)\s+github-ci-monitor checked 3 targets: 1 OK, 1 failing, 1 unknown$/m)
    expect(table.stderr).toContain(
      "github-ci-monitor: no Datadog API key (DD_API_KEY or DATADOG_API_KEY): printed the checks, nothing was sent (1 OK, 1 failing, 1 unknown; cycle "
    )
  })

  it("-o json prints one parseable JSON object per line, each a complete service check", () => {
    expect(json.code, json.stderr).toBe(0)
    const lines = json.stdout.trim().split("\n")
    expect(lines).toHaveLength(4)
    const checks = lines.map((line) => JSON.parse(line) as ServiceCheck)
    for (const c of checks) {
      expect(Object.keys(c).sort()).toEqual(["check", "host_name", "message", "status", "tags", "timestamp"])
      expect(typeof c.timestamp).toBe("number")
    }
    const map = byTarget(checks)
    expect(checkOf(map, "acme/red@release/v2")).toMatchObject({ check: "ci.ok", status: 1, tags: ["owner:acme", "repo:red", "ref:release/v2"] })
    expect(checkOf(map, "acme/green@main").status).toBe(0)
    expect(checkOf(map, "acme/ghost@main").status).toBe(3)
    expect(selfChecks(checks)).toHaveLength(1)
    expect(json.stderr).toContain("nothing was sent")
  })

  it("--dry-run with a key posts nothing to Datadog and prints the checks", () => {
    expect(dry.code, dry.stderr).toBe(0)
    expect(dd.requests).toHaveLength(0)
    expect(dry.stdout).toContain("acme/red@release/v2")
    expect(dry.stderr).toContain("github-ci-monitor: dry run: nothing was sent (1 OK, 1 failing, 1 unknown; cycle ")
  })

  it("still asks GitHub with the token as a Bearer header", () => {
    expectTokenOnlyAsBearer(gh, TOKEN)
  })
})

// ---------------------------------------------------------------------------------------------

describe("usage and configuration errors exit 2 before any request", () => {
  let gh: FakeGitHub
  let dd: FakeDatadog
  let env: Record<string, string>
  beforeAll(async () => {
    gh = await github({ token: TOKEN, repos: { "acme/api@main": green } })
    dd = await datadog({ apiKey: KEY })
    env = sendingEnv(gh, dd)
  })
  const expectNoRequests = () => {
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  }

  it("lists every problem of a configuration with its path", async () => {
    const file = writeConfig(
      [
        "check_name: ''",
        "failing_status: 3",
        "fail_on: [failure, exploded]",
        "colour: blue",
        "repos:",
        "  - owner: acme",
        "    repo: api",
        "    ref: main",
        "    tags: [a, b]",
        "  - owner: acme",
        "    ref: main",
        "  - { owner: acme, repo: web, ref: main, concurrency: 3 }"
      ].join("\n")
    )
    const { code, stdout, stderr } = await cli(["run", "--once", "--config", file], { env })
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toContain(`github-ci-monitor: invalid configuration (${file}):`)
    for (const problem of [
      "repos[1].repo: is missing",
      "check_name: must not be empty",
      "failing_status: must be 1 (WARNING) or 2 (CRITICAL)",
      `fail_on[1]: must be one of action_required, cancelled, failure, neutral, success, skipped, stale, startup_failure, timed_out (got "exploded")`,
      "colour: is unexpected",
      "repos[0].tags: must be a mapping",
      "repos[2].concurrency: is unexpected"
    ]) {
      expect(stderr).toContain(problem)
    }
    expectNoRequests()
  })

  it("lists problems found after decoding (no source, duplicate) together with the others", async () => {
    const file = config({
      repos: [
        repo("acme/api@main"),
        { owner: "acme", ref: "main" },
        repo("acme/api@main"),
        repo("acme/web@main", { status: false, check_run: false, check_suite: false })
      ]
    })
    const { code, stderr } = await cli(["run", "--once", "--config", file], { env })
    expect(code).toBe(2)
    expect(stderr).toContain("repos[1].repo: is missing")
    expect(stderr).toContain("repos[2]: duplicate target acme/api@main (also repos[0])")
    expect(stderr).toContain("repos[3]: enables no source")
    expectNoRequests()
  })

  it.each([
    ["a duplicate target", { repos: [repo("acme/api@main"), repo("acme/api@main")] }, "repos[1]: duplicate target acme/api@main (also repos[0])"],
    ["a target with no source", { repos: [repo("acme/api@main", { status: false, check_run: false, check_suite: false })] }, "repos[0]: enables no source"],
    ["no repositories", { repos: [] }, "repos: must list at least one repository"],
    ["no repos key", { tags: { team: "x" } }, "repos: is missing"],
    ["an unknown conclusion in a target's fail_on", { repos: [repo("acme/api@main", { fail_on: ["failed"] })] }, `repos[0].fail_on[0]: must be one of`],
    ["a concurrency out of range", { concurrency: 0, repos: [repo("acme/api@main")] }, "concurrency: must be a whole number from 1 to 100"],
    ["an unknown dd_site", { dd_site: "datadoghq.moon", repos: [repo("acme/api@main")] }, `dd_site: unknown Datadog site "datadoghq.moon"`]
  ])("rejects %s", async (_name, value, problem) => {
    const { code, stderr } = await cli(["run", "--once", "--config", config(value)], { env })
    expect(code).toBe(2)
    expect(stderr).toContain(problem)
    expectNoRequests()
  })

  it("rejects YAML that does not parse, naming the line", async () => {
    const file = writeConfig("repos:\n  - owner: acme\n    repo: [api\n    ref: main\n")
    const { code, stderr } = await cli(["run", "--once", "--config", file], { env })
    expect(code).toBe(2)
    expect(stderr).toMatch(/invalid configuration .*:\n\s+line \d+, column \d+: /)
    expectNoRequests()
  })

  it("rejects a bad DD_SITE and a GITHUB_API_URL that is not a URL", async () => {
    const file = config({ repos: [repo("acme/api@main")] })
    const { DD_API_URL: _, ...noDdUrl } = env
    const [site, url] = await Promise.all([
      cli(["run", "--once", "--config", file], { env: { ...noDdUrl, DD_SITE: "datadoghq.moon" } }),
      cli(["run", "--once", "--config", file], { env: { ...env, GITHUB_API_URL: "api.github.com" } })
    ])
    expect(site.code).toBe(2)
    expect(site.stderr).toContain(`DD_SITE: unknown Datadog site "datadoghq.moon"`)
    expect(url.code).toBe(2)
    expect(url.stderr).toContain(`GITHUB_API_URL: must be an http(s) URL (got "api.github.com")`)
    expectNoRequests()
  })

  it("a missing configuration file exits 2 and says so", async () => {
    const missing = join(tmpDir(), "nope.yml")
    const { code, stderr } = await cli(["run", "--once", "--config", missing], { env })
    expect(code).toBe(2)
    expect(stderr).toContain(`github-ci-monitor: invalid configuration (${missing}):\n  file not found`)
    expectNoRequests()
  })

  it("no configuration anywhere exits 2 and says how to give one", async () => {
    const { code, stderr } = await cli(["run", "--once"], { env, cwd: tmpDir() })
    expect(code).toBe(2)
    expect(stderr).toContain("pass --config FILE, set CONFIG to the YAML, or create .github-ci-monitor.yml")
    expectNoRequests()
  })

  it("an unknown flag exits 2", async () => {
    const file = config({ repos: [repo("acme/api@main")] })
    const { code, stderr } = await cli(["run", "--once", "--config", file, "--frobnicate"], { env })
    expect(code).toBe(2)
    expect(stderr).toContain("--frobnicate")
    expectNoRequests()
  })

  it("a bad --output or --interval exits 2", async () => {
    const file = config({ repos: [repo("acme/api@main")] })
    const [output, interval] = await Promise.all([
      cli(["run", "--once", "--config", file, "--output", "xml"], { env }),
      cli(["run", "--once", "--config", file, "--interval", "soon"], { env })
    ])
    expect(output.code).toBe(2)
    expect(interval.code).toBe(2)
    expect(interval.stderr).toContain("--interval")
    expectNoRequests()
  })

  it("--concurrency outside 1-100 exits 2, like the file's concurrency", async () => {
    const file = config({ repos: [repo("acme/api@main")] })
    const results = await Promise.all([
      cli(["run", "--once", "--config", file, "--concurrency", "0"], { env }),
      cli(["run", "--once", "--config", file, "--concurrency", "1000"], { env })
    ])
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain("concurrency")
    }
    expectNoRequests()
  })
})

// ---------------------------------------------------------------------------------------------

describe("validate, --help and --version", () => {
  const file = () =>
    config({
      tags: { team: "platform" },
      repos: [
        repo("acme/api@release/v2", { tags: { codeowner: "sre" } }),
        repo("acme/web@main", { status: true, fail_on: ["failure", "cancelled"] })
      ]
    })

  it("validate prints the resolved targets and sources, exit 0, without a request and without secrets", async () => {
    const gh = await github({ repos: {} })
    const { code, stdout } = await cli(["validate", "--config", file()], {
      env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url }
    })
    expect(code).toBe(0)
    expect(stdout).toMatch(/^acme\/api@release\/v2\s+commit status, check runs, check suites\s+failure,timed_out,startup_failure,action_required\s+team:platform,codeowner:sre$/m)
    expect(stdout).toMatch(/^acme\/web@main\s+commit status\s+failure,cancelled\s+team:platform$/m)
    expect(stdout).toContain(`GitHub:        ${gh.url} (token from GITHUB_TOKEN)`)
    expect(stdout).toContain("(API key from DD_API_KEY)")
    expect(stdout).toContain("2 targets")
    expect(gh.requests).toHaveLength(0)
  })

  it("validate -o json prints the same as JSON", async () => {
    const { code, stdout } = await cli(["validate", "--config", file(), "-o", "json"], { env: { GITHUB_TOKEN: TOKEN } })
    expect(code).toBe(0)
    const parsed = JSON.parse(stdout) as Record<string, unknown>
    expect(parsed).toMatchObject({
      github: { api_url: "https://api.github.com", token: true },
      datadog: { api_url: "https://api.datadoghq.com", api_key: false },
      check_name: "ci.ok",
      failing_status: 1,
      targets: [
        {
          owner: "acme",
          repo: "api",
          ref: "release/v2",
          sources: ["status", "check_runs", "check_suites"],
          fail_on: ["failure", "timed_out", "startup_failure", "action_required"],
          tags: ["team:platform", "codeowner:sre"]
        },
        { owner: "acme", repo: "web", ref: "main", sources: ["status"], fail_on: ["failure", "cancelled"], tags: ["team:platform"] }
      ]
    })
  })

  it("validate of a bad configuration exits 2 with the problems", async () => {
    const { code, stderr } = await cli(["validate", "--config", config({ repos: [{ owner: "acme", ref: "main" }] })])
    expect(code).toBe(2)
    expect(stderr).toContain("repos[0].repo: is missing")
  })

  it("--help and --version exit 0; --version prints package.json's version", async () => {
    const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version
    const [help, runHelp, ver] = await Promise.all([cli(["--help"]), cli(["run", "--help"]), cli(["--version"])])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("validate")
    expect(runHelp.code).toBe(0)
    expect(runHelp.stdout).toContain("--once")
    expect(runHelp.stdout).toContain("--dry-run")
    expect(ver.code).toBe(0)
    expect(ver.stdout.trim()).toBe(version)
  })

  it("--help into a pipe (a CI log, `| less`) is plain text, without the terminal's styling codes", async () => {
    const [help, runHelp, validateHelp] = await Promise.all([cli(["--help"]), cli(["run", "--help"]), cli(["validate", "--help"])])
    for (const out of [help, runHelp, validateHelp]) {
      expect(out.code).toBe(0)
      expect(out.stdout).toMatch(/USAGE/)
      expect(out.stdout).not.toContain("\u001b[")
      expect(out.stderr).not.toContain("\u001b[")
    }
    expect(runHelp.stdout).toMatch(/^\$ run .*--once/m)
  })
})

// ---------------------------------------------------------------------------------------------

describe("where settings come from", () => {
  let gh: FakeGitHub
  let dead: string
  beforeAll(async () => {
    gh = await github({ token: TOKEN, repos: { "acme/api@main": green } })
    dead = await deadUrl()
  })
  const yaml = "tags:\n  team: platform\nrepos:\n  - owner: acme\n    repo: api\n    ref: main\n"

  it("--github-api-url and --dd-api-url win over GITHUB_API_URL and DD_API_URL", async () => {
    const dd = await datadog({ apiKey: KEY })
    const { code, stderr } = await cli(
      ["run", "--once", "--config", writeConfig(yaml), "--github-api-url", gh.url, "--dd-api-url", dd.url],
      { env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: dead, DD_API_URL: dead } }
    )
    expect(code, stderr).toBe(0)
    expect(checkOf(byTarget(dd.checks), "acme/api@main").status).toBe(0)
    expect(dd.checks).toHaveLength(2)
  })

  it("GITHUB_API_URL and DD_API_URL win over the file's github_api_url and dd_api_url", async () => {
    const dd = await datadog({ apiKey: KEY })
    const file = writeConfig(`github_api_url: ${dead}\ndd_api_url: ${dead}\n${yaml}`)
    const { code, stderr } = await cli(["run", "--once", "--config", file], {
      env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    expect(checkOf(byTarget(dd.checks), "acme/api@main").status).toBe(0)
  })

  it("an unreachable GitHub makes every target unknown and the self-check fail, but delivery still succeeds", async () => {
    const dd = await datadog({ apiKey: KEY })
    const { code, stderr } = await cli(["run", "--once", "--config", writeConfig(yaml)], {
      env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: dead, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    const target = checkOf(byTarget(dd.checks), "acme/api@main")
    expect(target.status).toBe(3)
    expect(target.message).toContain("could not reach GitHub at 127.0.0.1:")
    expect(selfChecks(dd.checks)[0]).toMatchObject({ status: 1 })
    // What was sent is counted, and that nothing came back: not "0 requests".
    expect(stderr).toMatch(/^github-ci-monitor: GitHub: (\d+) requests sent, 0 answered, \1 failed \(could not connect\)$/m)
    expect(stderr).not.toMatch(/GitHub: 0 requests/)
  })

  it("an unreachable Datadog exits 1", async () => {
    const { code, stderr } = await cli(["run", "--once", "--config", writeConfig(yaml)], {
      env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dead }
    })
    expect(code).toBe(1)
    expect(stderr).toMatch(/2 checks NOT delivered .*could not reach Datadog/)
  })

  it("GITHUB_ACCESS_TOKEN and DATADOG_API_KEY work as the alternative names", async () => {
    const ghAlt = await github({ token: ALT_TOKEN, repos: { "acme/api@main": green } })
    const dd = await datadog({ apiKey: ALT_KEY })
    const { code, stderr } = await cli(["run", "--once", "--config", writeConfig(yaml)], {
      env: { GITHUB_ACCESS_TOKEN: ALT_TOKEN, DATADOG_API_KEY: ALT_KEY, GITHUB_API_URL: ghAlt.url, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    expect(checkOf(byTarget(dd.checks), "acme/api@main").status).toBe(0)
    expectTokenOnlyAsBearer(ghAlt, ALT_TOKEN)
    expectKeyOnlyInHeader(dd, ALT_KEY)
  })

  it("a wrong token makes targets unknown with GitHub's reason, and is never printed", async () => {
    const dd = await datadog({ apiKey: KEY })
    const { code, stdout, stderr } = await cli(["run", "--once", "--config", writeConfig(yaml), "-o", "json"], {
      env: { GITHUB_TOKEN: ALT_TOKEN, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    const [target] = stdout.trim().split("\n").map((l) => JSON.parse(l) as ServiceCheck)
    expect(target?.status).toBe(3)
    expect(target?.message).toContain("GitHub rejected the token (401: Bad credentials)")
  })

  it("the CONFIG variable holding the whole YAML is used without a file", async () => {
    const dd = await datadog({ apiKey: KEY })
    const { code, stderr } = await cli(["run", "--once"], {
      cwd: tmpDir(),
      env: { CONFIG: yaml, GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    expect(checkOf(byTarget(dd.checks), "acme/api@main").tags).toEqual(["owner:acme", "repo:api", "ref:main", "team:platform"])
  })

  it(".github-ci-monitor.yml in a parent of the working directory is found", async () => {
    const dd = await datadog({ apiKey: KEY })
    const top = tmpDir()
    writeConfig(yaml, ".github-ci-monitor.yml", top)
    const cwd = join(top, "a", "b")
    writeConfig("not: a config\n", "unrelated.yml", cwd)
    const { code, stderr } = await cli(["run", "--once"], {
      cwd,
      env: { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    })
    expect(code, stderr).toBe(0)
    expect(checkOf(byTarget(dd.checks), "acme/api@main").status).toBe(0)
  })
})
