import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { ConfigFile, Problems } from "../../src/config/ConfigFile.ts"
import {
  apiUrlProblem,
  datadogSites,
  decodeConfig,
  DEFAULT_MAX_RESPONSE_BYTES,
  formatPath,
  parseConfig,
  quote,
  secretProblem
} from "../../src/config/ConfigFile.ts"
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

  it("quotes a key that is no plain word, escaped and cut", () => {
    expect(formatPath(["tags", "my team"])).toBe(`tags["my team"]`)
    expect(formatPath(["repos", 0, "a\nb"])).toBe(`repos[0]["a\\nb"]`)
    expect(formatPath(["k".repeat(200)]).length).toBeLessThan(120)
  })
})

/** Raw control characters (C0, DEL, C1, U+2028/9): none may reach a terminal in a problem. */
const rawControl = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

describe("owner, repo and ref names", () => {
  it.each([".", "..", "a b", "a/b", "acme\n", "é", "x".repeat(101)])("owner %j is reported at its path", (owner) => {
    const list = problems(decodeConfig({ repos: [repo(), repo({ owner })] }))
    expect(list).toEqual([expect.stringMatching(/^repos\[1\]\.owner: must /)])
    expect(list[0]).not.toMatch(rawControl)
  })

  it.each([".", "..", "a b", "a/b", "../x", "api?x", "api#x", "%2e%2e"])("repo %j is reported at its path", (name) => {
    expect(problems(decodeConfig({ repos: [repo({ repo: name })] }))).toEqual([expect.stringMatching(/^repos\[0\]\.repo: must /)])
  })

  it("\".\" and \"..\" say so; other names say which characters a name may have", () => {
    expect(problems(decodeConfig({ repos: [repo({ owner: ".." })] }))).toEqual([`repos[0].owner: must not be "." or ".." (got "..")`])
    expect(problems(decodeConfig({ repos: [repo({ repo: "a b" })] }))).toEqual([
      `repos[0].repo: must be a GitHub name: letters, digits, "-", "_" and "." (got "a b")`
    ])
  })

  it("GitHub's names are accepted: dots, dashes, underscores, a leading dot, 100 characters; \"*\" only as the repository", () => {
    const names = ["acme", "Acme-Corp", "my_org", "a.b", ".github", "x".repeat(100), "repo.js", "a--b"]
    expect(ok(decodeConfig({ repos: names.map((name) => repo({ owner: name, repo: name })) })).repos).toHaveLength(names.length)
    expect(ok(decodeConfig({ repos: [{ owner: "acme", repo: "*" }] })).repos).toHaveLength(1)
    expect(at(problems(decodeConfig({ repos: [{ owner: "*", repo: "*" }] })), "repos[0].owner")).toBeDefined()
  })

  it.each([
    ["../x", `contains ".."`],
    ["a..b", `contains ".."`],
    ["x.lock", `ends with ".lock"`],
    ["release/x.lock", `ends with ".lock"`],
    ["a\nb", "control character"],
    ["a\rb", "control character"],
    ["a\u0000b", "control character"],
    ["a\u2028b", "control character"],
    ["a b", "a space"],
    ["a~1", `"~"`],
    ["a^", `"^"`],
    ["a:b", `":"`],
    ["a?", `"?"`],
    ["a*", `"*"`],
    ["a[b", `"["`],
    ["a\\b", `"\\\\"`],
    ["a@{1}", `"@{"`],
    ["@", `is "@"`],
    ["/main", `"/"`],
    ["main/", `"/"`],
    ["a//b", `"//"`],
    ["main.", `ends with "."`],
    [".hidden", `begins with "."`],
    ["release/.x", `begins with "."`],
    ["x".repeat(1025), "longer than 1024"]
  ])("ref %j is reported at its path: %s", (ref, why) => {
    const list = problems(decodeConfig({ repos: [repo({ ref: "main" }), repo({ ref })] }))
    expect(list).toHaveLength(1)
    expect(list[0]).toMatch(/^repos\[1\]\.ref: must be a git ref name or a commit SHA: /)
    expect(list[0]).toContain(why)
    expect(list[0]).not.toMatch(rawControl)
    expect(list[0]!.length).toBeLessThan(250)
  })

  it("the bad ref is shown escaped: a newline cannot forge a line", () => {
    expect(problems(decodeConfig({ repos: [repo({ ref: "main\nrepos[0]: fine" })] }))).toEqual([
      `repos[0].ref: must be a git ref name or a commit SHA: it contains a control character (got "main\\nrepos[0]: fine")`
    ])
  })

  it.each(["main", "release/v2", "feature/JIRA-12_x", "refs/heads/main", "v1.2.3", "a-b.c", "HEAD", "0123abc", "0123456789abcdef0123456789abcdef01234567", "🚀"])(
    "ref %j is accepted",
    (ref) => {
      expect(ok(decodeConfig({ repos: [repo({ ref })] })).repos[0]?.ref).toBe(ref)
    }
  )
})

describe("API URLs", () => {
  const password = "s3cr3t-pa55"
  it.each([
    [`http://user:${password}@ghe.example.com/api/v3`, "credentials"],
    [`https://${password}@ghe.example.com`, "credentials"],
    [`http://user:pa/${password}@ghe.example.com`, "credentials"],
    [`http://user:${password}@[::1`, "credentials"],
    ["https://ghe.example.com/api/v3?token=x", "query"],
    ["https://ghe.example.com/api/v3?", "query"],
    ["https://ghe.example.com/api/v3#top", "fragment"],
    ["ftp://ghe.example.com", "http(s)"],
    ["file:///etc/passwd", "http(s)"],
    ["javascript:alert(1)", "http(s)"],
    ["ghe.example.com", "http(s)"],
    ["http://127.0.0.1:99999", "port"],
    ["http://127.0.0.1:0", "port"],
    ["http://127.0.0.1:http", "port"],
    ["http://[::1", "host"],
    ["http://[::1]x", "host"],
    ["http://", "host"],
    ["http:///api", "host"],
    ["http://exa mple.com", "spaces"],
    ["http://example.com/\napi", "control"],
    ["http://example.com\\@evil.com", "\\"]
  ])("%j is reported (%s), never with its credentials", (url, what) => {
    for (const key of ["github_api_url", "dd_api_url"]) {
      const list = problems(decodeConfig({ repos: [repo()], [key]: url }))
      expect(list).toHaveLength(1)
      expect(list[0]).toMatch(new RegExp(`^${key}: `))
      expect(list[0]).toContain(what)
      expect(list[0]).not.toContain(password)
      expect(list[0]).not.toMatch(rawControl)
    }
  })

  it("credentials are shown replaced, the rest of the URL as written", () => {
    expect(apiUrlProblem(`http://user:${password}@ghe.example.com/api/v3`)).toContain(`"http://[redacted]@ghe.example.com/api/v3"`)
  })

  it.each([
    "https://api.github.com",
    "https://ghe.example.com/api/v3/",
    "http://127.0.0.1:8080",
    "http://[::1]:8080/api",
    "http://localhost:65535",
    "HTTPS://API.GITHUB.COM",
    "https://xn--n3h.example/api"
  ])("%j is accepted", (url) => {
    expect(apiUrlProblem(url)).toBeUndefined()
    expect(Either.isRight(decodeConfig({ repos: [repo()], github_api_url: url, dd_api_url: url }))).toBe(true)
  })
})

describe("max_response_bytes", () => {
  it("default 8 MiB; at least 1024", () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(8388608)
    expect(ok(decodeConfig({ repos: [repo()], max_response_bytes: 1024 })).max_response_bytes).toBe(1024)
    expect(ok(decodeConfig({ repos: [repo()], max_response_bytes: 64 * 1024 * 1024 })).max_response_bytes).toBe(67108864)
  })

  it.each([1023, 0, -1, 1.5, "8MB", null])("%j is reported", (value) => {
    expect(problems(decodeConfig({ repos: [repo()], max_response_bytes: value }))).toEqual([
      expect.stringMatching(/^max_response_bytes: must be a whole number of bytes, at least 1024/)
    ])
  })
})

describe("problems never quote a huge value whole", () => {
  const huge = "x".repeat(5 * 1024 * 1024)

  it("quote: escaped, cut to 80 characters with the full length", () => {
    expect(quote("main")).toBe(`"main"`)
    expect(quote("a\u2028b\u0085c\u007f")).toBe(`"a\\u2028b\\u0085c\\u007f"`)
    expect(quote(huge)).toBe(`"${"x".repeat(80)}"… (5242880 characters)`)
    // A surrogate pair is never split.
    expect(quote(`${"x".repeat(79)}🚀🚀`)).toBe(`"${"x".repeat(79)}"… (83 characters)`)
  })

  it.each([
    ["check_name", [huge]],
    ["check_name", { a: huge }],
    ["dd_site", huge],
    ["fail_on", [huge]],
    ["tags", { team: [huge] }],
    ["discovery_interval", huge],
    ["failing_status", huge],
    ["github_api_url", `http://${huge}:99999`],
    [huge, 1],
    [`a\n${huge}`, 1]
  ])("%# a 5 MB value is cut in its problem", (key, value) => {
    const list = problems(decodeConfig({ repos: [repo()], [key as string]: value }))
    expect(list.length).toBeGreaterThan(0)
    for (const problem of list) {
      expect(problem.length).toBeLessThanOrEqual(501)
      expect(problem).not.toMatch(rawControl)
    }
  })

  it("in a repository: owner, repo, ref and a duplicate target", () => {
    const list = problems(decodeConfig({ repos: [repo({ owner: huge, repo: huge, ref: `${huge}\n` }), repo({ ref: `m\u2028` }), repo({ ref: `m\u2028` })] }))
    expect(list.length).toBeGreaterThanOrEqual(4)
    for (const problem of list) {
      expect(problem.length).toBeLessThanOrEqual(501)
      expect(problem).not.toMatch(rawControl)
    }
  })

  it("a YAML document with a huge bad value", () => {
    const list = problems(parseConfig(`repos: [{ owner: acme, repo: api, ref: main }]
check_name: [${huge}]
`))
    expect(list[0]!.length).toBeLessThanOrEqual(501)
  })
})

describe("secretProblem: what a secret may not contain, said without it", () => {
  it.each([
    ["ghp_x\nx", "a line break"],
    ["ghp_x\rx", "a carriage return"],
    ["ghp_x\r", "a carriage return"],
    ["ghp_x\tx", "a tab"],
    ["ghp_x\u0000x", "a NUL"],
    ["ghp_x\u2028x", "U+2028"],
    ["ghp_x\u2029x", "U+2029"],
    ["ghp_x\u0085x", "U+0085"],
    ["ghp_x\u007fx", "U+007F"],
    ["ghp_x\u001bx", "U+001B"],
    [" ghp_x", "leading or trailing spaces"],
    ["ghp_x ", "leading or trailing spaces"],
    ["ghp x", "printable ASCII"],
    ["ghp_é", "printable ASCII"]
  ])("a token %j: %s", (secret, says) => {
    const problem = secretProblem(secret, "token")
    expect(problem).toContain(says)
    expect(problem).not.toContain("ghp")
  })

  it("a PEM may have \\n or \\r\\n line breaks and surrounding ones, no other control character", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
    expect(secretProblem(pem, "pem")).toBeUndefined()
    expect(secretProblem(pem.replace(/\n/g, "\r\n"), "pem")).toBeUndefined()
    expect(secretProblem(pem.replace("AAAA", "AA\rAA"), "pem")).toContain("carriage return")
    expect(secretProblem(pem.replace("AAAA", "AA\u0000AA"), "pem")).toContain("NUL")
    expect(secretProblem(pem.replace("AAAA", "AA\u2028AA"), "pem")).toContain("U+2028")
    expect(secretProblem(pem.replace("AAAA", "AA\tAA"), "pem")).toContain("tab")
  })

  it("an ordinary token or key has none", () => {
    expect(secretProblem("ghp_0123456789abcdefABCDEF0123456789abcd", "token")).toBeUndefined()
    expect(secretProblem("0123456789abcdef0123456789abcdef", "token")).toBeUndefined()
  })
})
