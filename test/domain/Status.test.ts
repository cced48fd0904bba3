import { describe, expect, it } from "@effect/vitest"
import examples from "../fixtures/github-examples.json" with { type: "json" }
import type { CheckRunInput, CheckSuiteInput, CommitStatusInput } from "../../src/domain/Status.ts"
import {
  checkMessage,
  checkRunsVerdict,
  checkStatus,
  checkSuitesVerdict,
  commitStatusVerdict,
  fitParts,
  MESSAGE_LIMIT,
  targetLevel
} from "../../src/domain/Status.ts"
import type { Conclusion, Target } from "../../src/domain/Target.ts"
import { conclusions, defaultFailOn, enabledSources, targetKey } from "../../src/domain/Target.ts"
import type { FailingItem, SourceVerdict, Verdict } from "../../src/domain/Verdict.ts"
import { failing, passing, unknown } from "../../src/domain/Verdict.ts"

const target = (over: Partial<Target> = {}): Target => ({
  owner: "acme",
  repo: "api",
  ref: "main",
  sources: { status: true, check_runs: true, check_suites: true },
  failOn: defaultFailOn,
  tags: [],
  ...over
})

const run = (name: string, conclusion: string | null, over: Partial<CheckRunInput> = {}): CheckRunInput => ({
  name,
  status: conclusion === null ? "in_progress" : "completed",
  conclusion,
  ...over
})
const suite = (name: string, conclusion: string | null, over: Partial<CheckSuiteInput> = {}): CheckSuiteInput => ({
  name,
  status: conclusion === null ? "in_progress" : "completed",
  conclusion,
  latest_check_runs_count: 3,
  ...over
})

const itemsOf = (v: Verdict): ReadonlyArray<FailingItem> => (v._tag === "Failing" ? v.items : [])

/** The conclusions GitHub documents for check runs and check suites (REST reference). */
const documentedConclusions = [
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "stale",
  "startup_failure",
  "timed_out"
] as const
const failingByDefault = new Set(["failure", "timed_out", "startup_failure", "action_required"])
const stillGoing = ["queued", "in_progress", "waiting", "requested", "pending"] as const

describe("Target", () => {
  it("knows every conclusion GitHub documents and fails by default on exactly four", () => {
    expect([...conclusions].sort()).toEqual([...documentedConclusions].sort())
    expect([...defaultFailOn].sort()).toEqual([...failingByDefault].sort())
  })

  it("names a target owner/repo@ref, keeping slashes in the ref", () => {
    expect(targetKey({ owner: "acme", repo: "api", ref: "release/v2" })).toBe("acme/api@release/v2")
  })

  it("lists only the enabled sources, in a stable order", () => {
    expect(enabledSources(target())).toEqual(["status", "check_runs", "check_suites"])
    expect(enabledSources(target({ sources: { status: false, check_runs: true, check_suites: false } }))).toEqual([
      "check_runs"
    ])
  })
})

describe("commitStatusVerdict", () => {
  const statuses: CommitStatusInput["statuses"] = [
    { context: "ci/jenkins", state: "success", target_url: "https://ci.example.com/1" },
    { context: "ci/lint", state: "failure", target_url: "https://ci.example.com/2" },
    { context: "ci/deploy", state: "error", target_url: "https://ci.example.com/3" },
    { context: "ci/slow", state: "pending", target_url: null }
  ]

  it("is passing for GitHub's own example (combined state success)", () => {
    expect(commitStatusVerdict(examples["combined-commit-status"])).toEqual(passing)
  })

  it("is passing when the combined state is success", () => {
    expect(commitStatusVerdict({ state: "success", statuses: [{ context: "ci", state: "success" }] })._tag).toBe(
      "Passing"
    )
  })

  it("is not failing while the combined state is pending", () => {
    expect(commitStatusVerdict({ state: "pending", statuses: [{ context: "ci", state: "pending" }] })._tag).toBe(
      "Passing"
    )
  })

  it("is not failing for a commit with no statuses at all (GitHub answers pending)", () => {
    expect(commitStatusVerdict({ state: "pending", statuses: [] })._tag).toBe("Passing")
  })

  it("fails on a combined failure and names the failure and error contexts with their state and link", () => {
    const verdict = commitStatusVerdict({ state: "failure", statuses })
    expect(verdict._tag).toBe("Failing")
    expect(itemsOf(verdict)).toEqual([
      { name: "ci/lint", conclusion: "failure", url: "https://ci.example.com/2" },
      { name: "ci/deploy", conclusion: "error", url: "https://ci.example.com/3" }
    ])
  })

  it("fails when only an individual status is error (GitHub folds error into a failure combined state)", () => {
    const verdict = commitStatusVerdict({
      state: "failure",
      statuses: [{ context: "ci/broken", state: "error", target_url: "https://ci.example.com/9" }]
    })
    expect(itemsOf(verdict)).toEqual([{ name: "ci/broken", conclusion: "error", url: "https://ci.example.com/9" }])
  })

  it("does not blame passing or pending contexts", () => {
    const names = itemsOf(commitStatusVerdict({ state: "failure", statuses })).map((i) => i.name)
    expect(names).not.toContain("ci/jenkins")
    expect(names).not.toContain("ci/slow")
  })

  it("a failing status without target_url has no link", () => {
    const [item] = itemsOf(
      commitStatusVerdict({ state: "failure", statuses: [{ context: "ci/lint", state: "failure", target_url: null }] })
    )
    expect(item?.url).toBeUndefined()
  })

  it("still fails when the combined state is failure but no individual status is listed", () => {
    const verdict = commitStatusVerdict({ state: "failure", statuses: [] })
    expect(verdict._tag).toBe("Failing")
    expect(itemsOf(verdict).length).toBeGreaterThan(0)
  })
})

describe("checkRunsVerdict", () => {
  it.each(documentedConclusions)("a completed run concluding %s fails by default only if GitHub means failure", (c) => {
    const verdict = checkRunsVerdict([run("build", c, { html_url: "https://github.com/acme/api/runs/1" })], defaultFailOn)
    if (failingByDefault.has(c)) {
      expect(verdict._tag).toBe("Failing")
      expect(itemsOf(verdict)).toEqual([{ name: "build", conclusion: c, url: "https://github.com/acme/api/runs/1" }])
    } else {
      expect(verdict).toEqual(passing)
    }
  })

  it.each(stillGoing)("a run that is %s (conclusion null) never fails, whatever fail_on lists", (status) => {
    expect(checkRunsVerdict([run("build", null, { status })], defaultFailOn)._tag).toBe("Passing")
    expect(checkRunsVerdict([run("build", null, { status })], conclusions)._tag).toBe("Passing")
  })

  it("a passing result still says which runs are going, so a green check is not mistaken for finished CI", () => {
    const verdict = checkRunsVerdict([run("build", "success"), run("e2e", null, { status: "queued" }), run("deploy", null)], defaultFailOn)
    expect(verdict._tag).toBe("Passing")
    const message = checkMessage(target(), [{ source: "check_runs", verdict }])
    expect(message).toContain("acme/api@main")
    expect(message).toContain("e2e")
    expect(message).toContain("deploy")
    expect(message).not.toContain("build")
    expect(checkStatus(targetLevel([{ source: "check_runs", verdict }]), 1)).toBe(0)
  })

  it("a failing run wins over runs still going", () => {
    expect(checkRunsVerdict([run("e2e", null), run("unit", "failure")], defaultFailOn)._tag).toBe("Failing")
  })

  it("is passing for GitHub's own example (a neutral run)", () => {
    expect(checkRunsVerdict(examples["check-run-paginated"].check_runs, defaultFailOn)).toEqual(passing)
  })

  it("is passing with no runs at all", () => {
    expect(checkRunsVerdict([], defaultFailOn)).toEqual(passing)
  })

  it("a custom fail_on that adds cancelled makes a cancelled run fail", () => {
    const runs = [run("deploy", "cancelled"), run("build", "success")]
    expect(checkRunsVerdict(runs, defaultFailOn)._tag).toBe("Passing")
    const custom: ReadonlyArray<Conclusion> = [...defaultFailOn, "cancelled"]
    expect(itemsOf(checkRunsVerdict(runs, custom)).map((i) => [i.name, i.conclusion])).toEqual([["deploy", "cancelled"]])
  })

  it("a custom fail_on replaces the default: a failure is not failing when fail_on is only cancelled", () => {
    expect(checkRunsVerdict([run("build", "failure")], ["cancelled"])._tag).toBe("Passing")
  })

  it("lists every failing run, in order, and only those", () => {
    const runs = [
      run("lint", "success"),
      run("unit", "failure"),
      run("e2e", "timed_out"),
      run("docs", "skipped"),
      run("deploy", "action_required"),
      run("boot", "startup_failure"),
      run("slow", null)
    ]
    expect(itemsOf(checkRunsVerdict(runs, defaultFailOn)).map((i) => `${i.name}:${i.conclusion}`)).toEqual([
      "unit:failure",
      "e2e:timed_out",
      "deploy:action_required",
      "boot:startup_failure"
    ])
  })

  it("links a failing run to html_url first, then details_url", () => {
    const both = run("a", "failure", { html_url: "https://github.com/acme/api/runs/1", details_url: "https://ci.example.com/1" })
    const onlyDetails = run("b", "failure", { html_url: null, details_url: "https://ci.example.com/2" })
    const emptyHtml = run("c", "failure", { html_url: "", details_url: "https://ci.example.com/3" })
    const none = run("d", "failure", { html_url: null, details_url: null })
    expect(itemsOf(checkRunsVerdict([both, onlyDetails, emptyHtml, none], defaultFailOn)).map((i) => i.url)).toEqual([
      "https://github.com/acme/api/runs/1",
      "https://ci.example.com/2",
      "https://ci.example.com/3",
      undefined
    ])
  })
})

describe("checkSuitesVerdict", () => {
  it.each(documentedConclusions)("a completed suite concluding %s fails by default only if GitHub means failure", (c) => {
    const verdict = checkSuitesVerdict([suite("GitHub Actions", c, { url: "https://github.com/acme/api/commit/abc/checks" })], defaultFailOn)
    if (failingByDefault.has(c)) {
      expect(itemsOf(verdict)).toEqual([
        { name: "GitHub Actions", conclusion: c, url: "https://github.com/acme/api/commit/abc/checks" }
      ])
    } else {
      expect(verdict).toEqual(passing)
    }
  })

  it.each(stillGoing)("a suite that is %s (conclusion null) never fails", (status) => {
    expect(checkSuitesVerdict([suite("CircleCI", null, { status })], conclusions)._tag).toBe("Passing")
  })

  it("is passing for GitHub's own example (a neutral suite)", () => {
    expect(checkSuitesVerdict(examples["check-suite-paginated"].check_suites.map((s) => ({ ...s, name: s.app.name })), defaultFailOn))
      .toEqual(passing)
  })

  it("ignores a suite queued with no check runs (an app that never starts), even with a failing conclusion", () => {
    const idle = suite("Never Starts App", "failure", { status: "queued", latest_check_runs_count: 0 })
    expect(checkSuitesVerdict([idle], defaultFailOn)).toEqual(passing)
    expect(checkSuitesVerdict([idle, suite("GitHub Actions", "success")], defaultFailOn)).toEqual(passing)
    // Ignored whatever fail_on lists.
    expect(checkSuitesVerdict([{ ...idle, conclusion: "cancelled" }], [...defaultFailOn, "cancelled"])).toEqual(passing)
  })

  it("does not ignore a queued suite that has check runs", () => {
    const queued = suite("Busy App", "failure", { status: "queued", latest_check_runs_count: 2 })
    expect(itemsOf(checkSuitesVerdict([queued], defaultFailOn)).map((i) => i.name)).toEqual(["Busy App"])
  })

  it("does not ignore a completed suite with zero runs that failed", () => {
    const done = suite("Fast Fail App", "startup_failure", { status: "completed", latest_check_runs_count: 0 })
    expect(itemsOf(checkSuitesVerdict([done], defaultFailOn)).map((i) => i.name)).toEqual(["Fast Fail App"])
  })

  it("a custom fail_on that adds cancelled makes a cancelled suite fail", () => {
    const cancelled = suite("GitHub Actions", "cancelled")
    expect(checkSuitesVerdict([cancelled], defaultFailOn)._tag).toBe("Passing")
    expect(checkSuitesVerdict([cancelled], [...defaultFailOn, "cancelled"])._tag).toBe("Failing")
  })
})

const sv = (source: SourceVerdict["source"], verdict: Verdict): SourceVerdict => ({ source, verdict })
const fail1 = failing([{ name: "build", conclusion: "failure", url: "https://github.com/acme/api/runs/1" }])
const notFound = unknown("not_found", "GitHub answered 404 Not Found for acme/api@main")

describe("targetLevel and checkStatus", () => {
  it("is ok with no verdicts and with only passing ones", () => {
    expect(targetLevel([])).toBe("ok")
    expect(targetLevel([sv("status", passing), sv("check_runs", passing), sv("check_suites", passing)])).toBe("ok")
  })

  it("failing beats unknown beats ok, in any order", () => {
    expect(targetLevel([sv("status", notFound), sv("check_runs", fail1), sv("check_suites", passing)])).toBe("failing")
    expect(targetLevel([sv("check_suites", passing), sv("check_runs", fail1), sv("status", notFound)])).toBe("failing")
    expect(targetLevel([sv("status", passing), sv("check_runs", notFound)])).toBe("unknown")
    expect(targetLevel([sv("check_runs", notFound), sv("status", passing)])).toBe("unknown")
    expect(targetLevel([sv("check_runs", fail1)])).toBe("failing")
  })

  it("sends 0 for ok, the configured failing status (1 WARNING by default, 2 CRITICAL), 3 for unknown", () => {
    expect(checkStatus("ok", 1)).toBe(0)
    expect(checkStatus("ok", 2)).toBe(0)
    expect(checkStatus("failing", 1)).toBe(1)
    expect(checkStatus("failing", 2)).toBe(2)
    expect(checkStatus("unknown", 1)).toBe(3)
    expect(checkStatus("unknown", 2)).toBe(3)
  })
})

/** Splits a failing message into the item texts shown and the "… and N more" count. */
const cutOf = (message: string): { readonly shown: string; readonly more: number } => {
  const m = / … and (\d+) more$/.exec(message)
  return { shown: m ? message.slice(0, m.index) : message, more: m ? Number(m[1]) : 0 }
}

describe("checkMessage", () => {
  const longUrl = (i: number) => `https://ci.example.com/acme/api/builds/${i}/logs?${"x".repeat(120)}`
  const manyFailing = (n: number, url: (i: number) => string = longUrl) =>
    failing(Array.from({ length: n }, (_, i) => ({ name: `job-${String(i + 1).padStart(3, "0")}`, conclusion: "failure", url: url(i + 1) })))

  it(`stays within ${MESSAGE_LIMIT} characters with 200 failing items with long URLs, failing names first, with a correct count`, () => {
    const message = checkMessage(target(), [sv("check_runs", manyFailing(200)), sv("status", passing)])
    expect(MESSAGE_LIMIT).toBe(500)
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message.startsWith("CI failing on acme/api@main: job-001 (failure) https://ci.example.com/acme/api/builds/1/"))
      .toBe(true)
    const { more, shown } = cutOf(message)
    const names = [...shown.matchAll(/job-\d{3}/g)].map((m) => m[0])
    expect(names.length).toBeGreaterThan(0)
    expect(more).toBeGreaterThan(0)
    expect(names.length + more).toBe(200)
    // The names shown are the first ones, in order, each with its whole link.
    expect(names).toEqual(Array.from({ length: names.length }, (_, i) => `job-${String(i + 1).padStart(3, "0")}`))
    for (let i = 1; i <= names.length; i++) expect(shown).toContain(longUrl(i))
  })

  it("keeps the count right at every size and URL length around the limit", () => {
    for (let n = 1; n <= 40; n++) {
      for (const pad of [0, 7, 33, 60, 150, 300]) {
        const message = checkMessage(target(), [sv("check_runs", manyFailing(n, (i) => `https://ci.example.com/${i}/${"y".repeat(pad)}`))])
        expect(message.length).toBeLessThanOrEqual(500)
        const { more, shown } = cutOf(message)
        const names = new Set([...shown.matchAll(/job-\d{3}/g)].map((m) => m[0]))
        expect(names.size + more, `n=${n} pad=${pad}: ${message}`).toBe(n)
      }
    }
  })

  it("names every failing item with its conclusion and link when they fit", () => {
    const message = checkMessage(target(), [
      sv("status", failing([{ name: "ci/jenkins", conclusion: "error", url: "https://jenkins.example.com/7" }])),
      sv("check_runs", failing([{ name: "unit", conclusion: "timed_out", url: "https://github.com/acme/api/runs/2" }])),
      sv("check_suites", passing)
    ])
    expect(message).toBe(
      "CI failing on acme/api@main: ci/jenkins (error) https://jenkins.example.com/7, unit (timed_out) https://github.com/acme/api/runs/2"
    )
  })

  it("a failing item without a link is still named", () => {
    const message = checkMessage(target(), [sv("check_suites", failing([{ name: "Some App", conclusion: "failure" }]))])
    expect(message).toContain("Some App (failure)")
    expect(message).not.toContain("undefined")
  })

  it("puts failing names before the sources that could not tell, and still says why they could not", () => {
    const message = checkMessage(target(), [
      sv("status", unknown("rate_limited", "GitHub rate limit exceeded; resets at 12:00 UTC")),
      sv("check_runs", fail1)
    ])
    expect(message.indexOf("build (failure)")).toBeGreaterThan(-1)
    expect(message).toContain("rate limit exceeded")
    expect(message.indexOf("build (failure)")).toBeLessThan(message.indexOf("rate limit exceeded"))
    expect(message).toContain("commit status")
  })

  it("when many items fail, the failing names fill the message and the unknown reason is counted in the rest", () => {
    const message = checkMessage(target(), [
      sv("status", unknown("timeout", "GitHub did not answer within 10s")),
      sv("check_runs", manyFailing(50))
    ])
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message).toContain("job-001 (failure)")
    const { more, shown } = cutOf(message)
    const names = [...shown.matchAll(/job-\d{3}/g)]
    expect(names.length + more).toBe(51)
  })

  it("an unknown target says which sources could not tell and why", () => {
    const message = checkMessage(target(), [
      sv("status", passing),
      sv("check_runs", unknown("unauthorized", "GitHub answered 401: the token is invalid or expired"))
    ])
    expect(message).toContain("acme/api@main")
    expect(message).toContain("check runs")
    expect(message).toContain("401: the token is invalid or expired")
  })

  it("names an identical unknown detail from several sources once, with all the sources", () => {
    const message = checkMessage(target(), [
      sv("status", notFound),
      sv("check_runs", notFound),
      sv("check_suites", notFound)
    ])
    expect(message.split("GitHub answered 404 Not Found").length - 1).toBe(1)
    expect(message).toContain("commit status")
    expect(message).toContain("check runs")
    expect(message).toContain("check suites")
  })

  it("names different unknown details each", () => {
    const message = checkMessage(target(), [
      sv("status", notFound),
      sv("check_runs", unknown("server_error", "GitHub answered 502 Bad Gateway"))
    ])
    expect(message).toContain("404 Not Found")
    expect(message).toContain("502 Bad Gateway")
  })

  it("an ok message names the target and the sources it read", () => {
    const message = checkMessage(target({ ref: "release/v2" }), [sv("status", passing), sv("check_runs", passing)])
    expect(message).toContain("acme/api@release/v2")
    expect(message).toContain("commit status")
    expect(message).toContain("check runs")
    expect(message).not.toMatch(/fail/i)
  })

  it("a passing target with 200 runs still going stays within the limit and counts the rest", () => {
    const runs = Array.from({ length: 200 }, (_, i) => run(`matrix-job-${String(i + 1).padStart(3, "0")}-${"w".repeat(30)}`, null))
    const message = checkMessage(target(), [sv("check_runs", checkRunsVerdict(runs, defaultFailOn))])
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message).toContain("acme/api@main")
    expect(message).toContain("matrix-job-001")
    const { more, shown } = cutOf(message)
    expect([...shown.matchAll(/matrix-job-\d{3}/g)].length + more).toBe(200)
  })

  it(`stays within ${MESSAGE_LIMIT} characters even for an absurdly long ref`, () => {
    const ref = `feature/${"z".repeat(700)}`
    expect(checkMessage(target({ ref }), [sv("status", passing)]).length).toBeLessThanOrEqual(500)
    expect(checkMessage(target({ ref }), [sv("status", fail1)]).length).toBeLessThanOrEqual(500)
    expect(checkMessage(target({ ref }), [sv("status", notFound)]).length).toBeLessThanOrEqual(500)
  })

  it("with a single failing item whose link is longer than the limit, the on-call person still sees its name", () => {
    const url = `https://ci.example.com/build/42?${"token-free-query=1&".repeat(40)}`
    const message = checkMessage(target(), [
      sv("check_runs", failing([{ name: "integration-tests", conclusion: "failure", url }]))
    ])
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message).toContain("integration-tests")
  })

  it("an unknown detail longer than the limit is cut, not lost entirely", () => {
    // What a body that does not match the schema reads like: the schema's type, then the value.
    const detail = `unexpected response body from /repos/acme/api/commits/main/check-runs: body Expected { readonly total_count: number; readonly check_runs: ReadonlyArray<{ readonly name: string; readonly status: string; readonly conclusion: string | null; readonly html_url?: string | null; readonly details_url?: string | null }> }, actual ${JSON.stringify({ message: "x".repeat(300) })}`
    const message = checkMessage(target(), [sv("status", unknown("unexpected_response", detail))])
    expect(message.length).toBeLessThanOrEqual(500)
    expect(message).toContain("unexpected response body from /repos/acme/api/commits/main/check-runs")
  })
})

describe("fitParts", () => {
  it("returns the head alone when there are no parts", () => {
    expect(fitParts("CI passing on acme/api@main", [], ", ")).toBe("CI passing on acme/api@main")
  })

  it("joins every part when they fit", () => {
    expect(fitParts("h: ", ["a", "b", "c"], ", ", 100)).toBe("h: a, b, c")
  })

  it("keeps everything when it fills the 500 characters exactly, and cuts one character more", () => {
    // "h: " + 9 parts of 48 + 1 of 47 + 9 separators = 3 + 479 + 18 = 500
    const parts = [...Array.from({ length: 9 }, (_, i) => `${i}`.padEnd(48, "p")), "9".padEnd(47, "p")]
    const exact = fitParts("h: ", parts, ", ")
    expect(exact.length).toBe(500)
    expect(exact).toBe(`h: ${parts.join(", ")}`)
    const over = fitParts("h:  ", parts, ", ")
    expect(over.length).toBeLessThanOrEqual(500)
    expect(over).toMatch(/ … and 1 more$/)
  })

  it("cuts with a count of the parts left out, keeping the first parts", () => {
    const parts = Array.from({ length: 10 }, (_, i) => `part${i}`)
    const out = fitParts("h: ", parts, ", ", 40)
    expect(out.length).toBeLessThanOrEqual(40)
    const { shown, more } = cutOf(out)
    const kept = shown.slice(3).split(", ")
    expect(kept).toEqual(parts.slice(0, kept.length))
    expect(kept.length + more).toBe(10)
  })

  it("a single part longer than the limit: stays within the limit and counts it", () => {
    const out = fitParts("h: ", ["x".repeat(80)], ", ", 50)
    expect(out.length).toBeLessThanOrEqual(50)
    expect(out.startsWith("h: ")).toBe(true)
    const { shown, more } = cutOf(out)
    // Either part of it is shown (cut) or it is counted, never silently dropped.
    expect(shown.includes("x") || more === 1).toBe(true)
  })

  it("a first part longer than the limit among others is cut, and the others are counted", () => {
    const out = fitParts("h: ", ["x".repeat(80), "b", "c"], ", ", 50)
    expect(out.length).toBeLessThanOrEqual(50)
    expect(cutOf(out).shown).toContain("xxxx")
    expect(cutOf(out).more).toBe(2)
  })

  it("a head longer than the limit is cut with an ellipsis, with or without parts", () => {
    const head = "H".repeat(120)
    const alone = fitParts(head, [], ", ", 50)
    expect(alone.length).toBeLessThanOrEqual(50)
    expect(alone.endsWith("…")).toBe(true)
    const withParts = fitParts(head, ["a", "b"], ", ", 50)
    expect(withParts.length).toBeLessThanOrEqual(50)
    expect(withParts).toMatch(/ … and 2 more$/)
  })

  it("uses a 500-character limit by default", () => {
    const out = fitParts("h: ", Array.from({ length: 100 }, (_, i) => `item-${i}-${"q".repeat(20)}`), ", ")
    expect(out.length).toBeLessThanOrEqual(500)
    expect(out.length).toBeGreaterThan(450)
  })
})
