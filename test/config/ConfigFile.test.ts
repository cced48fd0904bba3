import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { ConfigFile, Problems } from "../../src/config/ConfigFile.ts"
import { datadogSites, decodeConfig, formatPath, parseConfig } from "../../src/config/ConfigFile.ts"
import { toTargets } from "../../src/config/Settings.ts"

const ok = (result: Either.Either<ConfigFile, Problems>): ConfigFile => {
  if (Either.isLeft(result)) throw new Error(`expected a valid configuration, got:\n${result.left.join("\n")}`)
  return result.right
}
const problems = (result: Either.Either<ConfigFile, Problems>): Problems => {
  if (Either.isRight(result)) throw new Error(`expected problems, got ${JSON.stringify(result.right)}`)
  return result.left
}
/** The one problem reported at `path`, e.g. `repos[2].repo`. */
const at = (list: Problems, path: string): string | undefined => list.find((p) => p.startsWith(`${path}: `))

const repo = (over: Record<string, unknown> = {}) => ({ owner: "acme", repo: "api", ref: "main", ...over })

/** The configuration of the original Go github-ci-monitor, byte for byte. */
const goToolConfig = `---
repos:
- owner: suzuki-shunsuke
  repo: test-github-action
  ref: master
  status: true
  check_run: true
  check_suite: true
  tags:
    codeowner: sre
region: ap-northeast-1
secret_id: github-ci-monitor
check_name: ci.ok
tags:
  sender: github-ci-monitor
# version_id:
`

describe("parseConfig: valid configurations", () => {
  it("loads the original Go tool's configuration unchanged", () => {
    const config = ok(parseConfig(goToolConfig))
    expect(config).toEqual({
      repos: [{
        owner: "suzuki-shunsuke",
        repo: "test-github-action",
        ref: "master",
        status: true,
        check_run: true,
        check_suite: true,
        tags: { codeowner: "sre" }
      }],
      region: "ap-northeast-1",
      secret_id: "github-ci-monitor",
      check_name: "ci.ok",
      tags: { sender: "github-ci-monitor" }
    })
    const [target] = toTargets(config)
    expect(target?.sources).toEqual({ status: true, check_runs: true, check_suites: true })
    expect(target?.tags).toEqual(["sender:github-ci-monitor", "codeowner:sre"])
  })

  it("loads the same configuration written as JSON", () => {
    const json = JSON.stringify({
      repos: [{ owner: "suzuki-shunsuke", repo: "test-github-action", ref: "master", status: true, tags: { codeowner: "sre" } }],
      region: "ap-northeast-1",
      secret_id: "github-ci-monitor",
      check_name: "ci.ok",
      tags: { sender: "github-ci-monitor" }
    }, null, 2)
    const config = ok(parseConfig(json))
    expect(config.repos[0]?.owner).toBe("suzuki-shunsuke")
    expect(config.repos[0]?.tags).toEqual({ codeowner: "sre" })
    expect(config.tags).toEqual({ sender: "github-ci-monitor" })
  })

  it("loads one-line JSON", () => {
    expect(ok(parseConfig(`{"repos":[{"owner":"acme","repo":"api","ref":"main"}]}`)).repos).toEqual([repo()])
  })

  it("accepts every new key with a valid value", () => {
    const config = ok(parseConfig(`
repos:
  - owner: acme
    repo: api
    ref: release/v2
    fail_on: [failure, cancelled]
log_level: debug
host_name: ci-monitor-1
fail_on: [failure, timed_out]
failing_status: 2
concurrency: 100
self_check_name: my.monitor.up
github_api_url: https://ghe.example.com/api/v3
dd_site: datadoghq.eu
dd_api_url: http://localhost:8126
`))
    expect(config.repos[0]?.ref).toBe("release/v2")
    expect(config.repos[0]?.fail_on).toEqual(["failure", "cancelled"])
    expect(config.failing_status).toBe(2)
    expect(config.concurrency).toBe(100)
    expect(config.dd_site).toBe("datadoghq.eu")
    expect(config.github_api_url).toBe("https://ghe.example.com/api/v3")
  })

  it.each(datadogSites)("accepts the Datadog site %s", (site) => {
    expect(ok(decodeConfig({ repos: [repo()], dd_site: site })).dd_site).toBe(site)
  })

  it("accepts numbers and booleans as tag values", () => {
    const config = ok(parseConfig(`repos: [{owner: acme, repo: api, ref: main, tags: {tier: 1, critical: true}}]\n`))
    expect(toTargets(config)[0]?.tags).toEqual(["tier:1", "critical:true"])
  })

  it("accepts concurrency at both ends of 1 to 100 and failing_status 1", () => {
    expect(ok(decodeConfig({ repos: [repo()], concurrency: 1 })).concurrency).toBe(1)
    expect(ok(decodeConfig({ repos: [repo()], concurrency: 100 })).concurrency).toBe(100)
    expect(ok(decodeConfig({ repos: [repo()], failing_status: 1 })).failing_status).toBe(1)
  })

  it("the same repository on two refs is two targets, not a duplicate", () => {
    expect(ok(decodeConfig({ repos: [repo(), repo({ ref: "release/v2" })] })).repos).toHaveLength(2)
  })
})

describe("parseConfig: problems, each with its path", () => {
  it("a missing field names its index and key", () => {
    const list = problems(parseConfig(`
repos:
  - { owner: acme, repo: api, ref: main }
  - { owner: acme, repo: web, ref: main }
  - { owner: acme, ref: main }
`))
    expect(list).toEqual(["repos[2].repo: is missing"])
  })

  it("a missing repos list is reported", () => {
    expect(at(problems(parseConfig("check_name: ci.ok\n")), "repos")).toBeDefined()
  })

  it("a wrong type names the field and what was expected", () => {
    const list = problems(parseConfig(`
check_name: 3
repos:
  - { owner: acme, repo: api, ref: main, status: "yes" }
`))
    expect(at(list, "check_name")).toMatch(/string/)
    expect(at(list, "repos[0].status")).toMatch(/boolean/)
    expect(at(list, "repos[0].status")).toContain("yes")
  })

  it("tags that are not a mapping, or a tag value that is a mapping, are reported", () => {
    const list = problems(parseConfig(`
tags: { team: { name: sre } }
repos:
  - { owner: acme, repo: api, ref: main, tags: [a, b] }
`))
    expect(at(list, "tags.team")).toBeDefined()
    expect(at(list, "repos[0].tags")).toContain("mapping")
  })

  it("an unknown key at the top level is reported with the keys that are allowed", () => {
    const list = problems(parseConfig(`
repos: [{ owner: acme, repo: api, ref: main }]
chek_name: ci.ok
`))
    expect(at(list, "chek_name")).toMatch(/unexpected/)
    expect(at(list, "chek_name")).toContain("check_name")
  })

  it("an unknown key in a repo is reported with its index", () => {
    const list = problems(parseConfig(`
repos:
  - { owner: acme, repo: api, ref: main }
  - { owner: acme, repo: web, branch: main, ref: main }
`))
    expect(at(list, "repos[1].branch")).toMatch(/unexpected/)
    expect(list).toHaveLength(1)
  })

  it("an unknown Datadog site is reported with the known ones", () => {
    const list = problems(parseConfig(`
repos: [{ owner: acme, repo: api, ref: main }]
dd_site: datadoghq.co
`))
    const problem = at(list, "dd_site")
    expect(problem).toContain("datadoghq.co")
    expect(problem).toContain("datadoghq.eu")
  })

  it("an empty repository list is reported", () => {
    expect(problems(parseConfig("repos: []\n"))).toEqual(["repos: must list at least one repository"])
  })

  it("an empty owner is reported", () => {
    expect(at(problems(decodeConfig({ repos: [repo({ owner: "" })] })), "repos[0].owner")).toBeDefined()
  })

  it("a duplicate target names both entries, ignoring case of owner and repo", () => {
    const list = problems(parseConfig(`
repos:
  - { owner: acme, repo: api, ref: main }
  - { owner: acme, repo: web, ref: main }
  - { owner: Acme, repo: API, ref: main }
`))
    expect(list).toHaveLength(1)
    expect(list[0]).toMatch(/^repos\[2\]: duplicate target/)
    expect(list[0]).toContain("repos[0]")
  })

  it("a bad fail_on entry names its index, globally and per repo, and lists the valid conclusions", () => {
    const list = problems(parseConfig(`
fail_on: [failure, failed]
repos:
  - { owner: acme, repo: api, ref: main, fail_on: [timeout] }
`))
    expect(at(list, "fail_on[1]")).toContain("failed")
    expect(at(list, "fail_on[1]")).toContain("timed_out")
    expect(at(list, "repos[0].fail_on[0]")).toContain("timeout")
  })

  it("failing_status 3 is reported: a failing check is WARNING (1) or CRITICAL (2)", () => {
    const problem = at(problems(decodeConfig({ repos: [repo()], failing_status: 3 })), "failing_status")
    expect(problem).toContain("1")
    expect(problem).toContain("2")
  })

  it.each([0, 101, 1.5, -3])("concurrency %s is reported", (concurrency) => {
    expect(at(problems(decodeConfig({ repos: [repo()], concurrency })), "concurrency")).toBeDefined()
  })

  it("concurrency out of range says the range", () => {
    expect(at(problems(decodeConfig({ repos: [repo()], concurrency: 0 })), "concurrency")).toContain("1 to 100")
    expect(at(problems(decodeConfig({ repos: [repo()], concurrency: 101 })), "concurrency")).toContain("1 to 100")
  })

  it("a GitHub API URL that is not http(s) is reported", () => {
    expect(at(problems(decodeConfig({ repos: [repo()], github_api_url: "ghe.example.com" })), "github_api_url"))
      .toContain("ghe.example.com")
  })

  it("a repo that turns every source off is reported", () => {
    const list = problems(decodeConfig({ repos: [repo({ status: false, check_run: false, check_suite: false })] }))
    expect(list).toEqual([expect.stringMatching(/^repos\[0\]: .*no source/)])
  })

  it("a repo that only names `status: false` does not silently become a target that watches nothing", () => {
    // Naming one source turns the others off, so this entry would enable no source at all
    // and report OK forever; it must be rejected like the all-false entry, or keep a source on.
    const result = decodeConfig({ repos: [repo({ status: false })] })
    const rejected = Either.isLeft(result) && result.left.some((p) => p.startsWith("repos[0]") && /no source/.test(p))
    const watchesSomething = Either.isRight(result) &&
      Object.values(toTargets(result.right)[0]?.sources ?? {}).some((on) => on)
    expect(rejected || watchesSomething).toBe(true)
  })

  it("reports every problem at once", () => {
    const list = problems(parseConfig(`
repos:
  - { owner: acme, ref: main, foo: 1 }
  - { owner: acme, repo: api, ref: main, fail_on: [nope] }
  - { owner: acme, repo: web }
failing_status: 3
concurrency: 0
dd_site: example.com
bar: 2
`))
    for (const path of ["repos[0].repo", "repos[0].foo", "repos[1].fail_on[0]", "repos[2].ref", "failing_status", "concurrency", "dd_site", "bar"]) {
      expect(at(list, path), path).toBeDefined()
    }
    expect(list).toHaveLength(8)
  })

  it("a YAML syntax error reports its line", () => {
    const list = problems(parseConfig(`repos:
  - owner: acme
    repo: api
   ref: main
`))
    expect(list.length).toBeGreaterThan(0)
    expect(list[0]).toMatch(/^line 4\b/)
  })

  it("an unclosed flow sequence reports a line", () => {
    expect(problems(parseConfig(`check_name: ci.ok\nrepos: [\n  { owner: acme, repo: api, ref: main }\n`))[0]).toMatch(/^line \d+/)
  })

  it("a key given twice is reported with its line", () => {
    const list = problems(parseConfig(`repos: [{ owner: acme, repo: api, ref: main }]\ncheck_name: a\ncheck_name: b\n`))
    expect(list[0]).toMatch(/^line 3\b/)
  })

  it("broken JSON reports a line", () => {
    expect(problems(parseConfig(`{\n  "repos": [\n    {"owner": "acme",}\n  ]\n`))[0]).toMatch(/^line \d+/)
  })

  it.each([
    ["a list", "- owner: acme\n  repo: api\n  ref: main\n"],
    ["a plain string", "acme/api@main\n"],
    ["an empty file", ""],
    ["only a comment", "# repos:\n"]
  ])("a document that is %s is reported at the top level", (_, text) => {
    const list = problems(parseConfig(text))
    expect(list).toHaveLength(1)
    expect(list[0]).toMatch(/^\(top level\): .*mapping/)
  })

  it("decodeConfig reports non-mapping input at the top level", () => {
    expect(problems(decodeConfig(null))[0]).toMatch(/^\(top level\)/)
    expect(problems(decodeConfig([repo()]))[0]).toMatch(/^\(top level\)/)
    expect(problems(decodeConfig("repos"))[0]).toMatch(/^\(top level\)/)
  })
})

describe("formatPath", () => {
  it("writes paths as a user writes them", () => {
    expect(formatPath(["repos", 2, "repo"])).toBe("repos[2].repo")
    expect(formatPath(["repos", 0, "fail_on", 1])).toBe("repos[0].fail_on[1]")
    expect(formatPath(["tags", "team"])).toBe("tags.team")
    expect(formatPath([])).toBe("")
  })
})
