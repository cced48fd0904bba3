/**
 * A hostile GitHub against the real CLI and the bundled Lambda handler: bodies far larger than
 * memory allows (with and without a length), JSON nested 100,000 deep, servers that echo the
 * token back in any letter case (REST and GraphQL), a base path escaped by `..`. Each time the
 * hostile target gets status 3 saying why, every healthy target still gets its true check, and
 * no output carries the token.
 */
import { generateKeyPairSync } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import type { ServiceCheck } from "../support/FakeDatadog.ts"
import type { RefSpec } from "../support/FakeGitHub.ts"
import { headersOf, listen } from "../support/http.ts"
import { buildLambda, LAMBDA_BUNDLE, LAMBDA_INVOKER, lambdaNode } from "../support/lambda.ts"
import { root, runProcess, startProcess } from "../e2e/support.ts"
import { cli, config, delivered, env, green, KEY, red, repo, TOKEN, useServers } from "../faults/support.ts"

const { github, datadog } = useServers()

const trio = [repo("acme/green@main"), repo("acme/red@main"), repo("acme/hostile@main")]
const trioRepos = (hostile: RefSpec = green): Record<string, RefSpec> => ({
  "acme/green@main": green,
  "acme/red@main": red,
  "acme/hostile@main": hostile
})

/** No text Datadog received, and nothing printed, holds the token in any letter case. */
const expectNoToken = (texts: ReadonlyArray<string>) => {
  for (const text of texts) expect(text.toLowerCase()).not.toContain(TOKEN.toLowerCase())
}
const allText = (checks: ReadonlyArray<ServiceCheck>) => checks.map((c) => JSON.stringify(c))

/** The peak resident memory of a process, sampled from /proc every 20 ms until it exits. */
const peakRss = (pid: number | undefined, done: Promise<unknown>) => {
  let peak = 0
  const sample = () => {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
      if (kb !== undefined) peak = Math.max(peak, Number(kb) * 1024)
    } catch { /* exited */ }
  }
  const timer = setInterval(sample, 20)
  return done.then(() => {
    clearInterval(timer)
    return peak
  })
}

describe.concurrent("a hostile GitHub, through the real CLI", () => {
  it("a 150 MB check-runs page with no content-length, under a 96 MB heap: status 3 \"response too large\", the others are right, memory stays low", async () => {
    const gh = await github({ repos: trioRepos(), faults: { "acme/hostile@main:check-runs": { status: 200, streamBytes: 150 * 1024 * 1024 } } })
    const dd = await datadog()
    const run = startProcess(process.execPath, [join(root, "bin", "github-ci-monitor.mjs"), "run", "--once", "--config", config({ repos: trio })], {
      env: { ...env(gh.url, dd.url), NODE_OPTIONS: "--max-old-space-size=96" },
      timeoutMs: 60_000
    })
    const peak = peakRss(run.child.pid, run.result)
    const result = await run.result
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect(checks.at("acme/hostile@main").message).toMatch(/check runs: response too large: .* answered more than 8 MB \(max_response_bytes\)/)
    expect(await peak).toBeLessThan(200 * 1024 * 1024)
  })

  it("max_response_bytes lowers the limit; a declared content-length over it is refused unread", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: { "acme/hostile@main:status": { status: 200, body: { state: "success", statuses: [], padding: "x".repeat(300_000) } } }
    })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: trio, max_response_bytes: 200_000 })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect(checks.at("acme/hostile@main").message).toContain("commit status: response too large")
    expect(checks.at("acme/hostile@main").message).toContain("195.3 KB")
  })

  it("JSON nested 100,000 deep: status 3 saying so, no crash, the others are right", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000)
    const gh = await github({ repos: trioRepos(), faults: { "acme/hostile@main:check-suites": { status: 200, body: deep } } })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: trio })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(/internal error|RangeError|stack/i)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect(checks.at("acme/hostile@main").message).toContain("check suites: unexpected response from")
    expect(checks.at("acme/hostile@main").message).toContain("nests deeper than 128 levels")
  })

  it("a 5 MB check name of the wrong type: the decoder's message is cut, not the 5 MB value", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: { "acme/hostile@main:check-runs": { status: 200, body: { total_count: 1, check_runs: [{ name: 5, status: "x".repeat(5_000_000) }] } } }
    })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: trio })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.at("acme/hostile@main").status).toBe(3)
    expect((checks.at("acme/hostile@main").message ?? "").length).toBeLessThanOrEqual(500)
    expect(dd.checks.reduce((n, c) => n + (c.message ?? "").length, 0)).toBeLessThan(3_000)
  })

  it("a 1 MB failing check name is cut to 200 characters in the message; the check still fails", async () => {
    const long = "n".repeat(1_000_000)
    const gh = await github({ repos: trioRepos({ ...green, checkRuns: [{ name: long, conclusion: "failure" }] }) })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: trio })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 1 })
    const message = checks.at("acme/hostile@main").message ?? ""
    expect(message).toContain(`${"n".repeat(199)}… (failure)`)
    expect(message.length).toBeLessThanOrEqual(500)
  })

  it("error bodies echoing the Authorization header (as sent, lower-cased, upper-cased, as `token …`): never in a check or on the terminal", async () => {
    const echo = (f: (auth: string) => string) => (h: Record<string, string | undefined>) => ({ message: f(h["authorization"] ?? "") })
    const gh = await github({
      repos: { ...trioRepos(), "acme/hostile2@main": green, "acme/hostile3@main": green },
      faults: {
        "acme/hostile@main:status": { status: 401, body: echo((a) => `Bad credentials: ${a}`) },
        "acme/hostile@main:check-runs": { status: 500, body: echo((a) => `upstream said ${a.toLowerCase()}`) },
        "acme/hostile@main:check-suites": { status: 418, body: echo((a) => `I'm a teapot ${a.toUpperCase()}`) },
        "acme/hostile2@main:status": { status: 403, body: echo((a) => `forbidden for token ${a.replace(/^Bearer /, "")}`) },
        "acme/hostile3@main:status": { status: 502, body: echo((a) => `raw ${a.replace(/^Bearer /, "").toLowerCase()} end`) }
      }
    })
    const targets = [...trio, repo("acme/hostile2@main"), repo("acme/hostile3@main")]
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: targets })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, targets)
    expect(checks.statuses).toEqual({
      "acme/green@main": 0,
      "acme/red@main": 1,
      "acme/hostile@main": 3,
      "acme/hostile2@main": 3,
      "acme/hostile3@main": 3
    })
    expect(checks.at("acme/hostile@main").message).toContain("[redacted]")
    expectNoToken([...allText(dd.checks), result.stdout, result.stderr])
  })

  it("GraphQL errors echoing the token, per target and for the whole query: scrubbed and cut", async () => {
    const gh = await github({
      repos: trioRepos(),
      graphqlErrors: {
        "acme/hostile@main": { field: "object", type: "FORBIDDEN", message: `Resource not accessible by ${TOKEN.toLowerCase()} ${"y".repeat(10_000)}` }
      }
    })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--api", "graphql", "--config", config({ repos: trio })], { env: env(gh.url, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect((checks.at("acme/hostile@main").message ?? "").length).toBeLessThanOrEqual(500)
    expectNoToken([...allText(dd.checks), result.stdout, result.stderr])

    gh.setFault("graphql", { status: 200, body: (h) => ({ data: null, errors: [{ message: `bad credentials ${h["authorization"]}`, type: "FORBIDDEN" }] }) })
    const dd2 = await datadog()
    const whole = await cli(["run", "--once", "--api", "graphql", "--config", config({ repos: trio })], { env: env(gh.url, dd2.url) })
    expect(whole.code, whole.stderr).toBe(0)
    const all3 = delivered(dd2.checks, trio)
    expect(Object.values(all3.statuses)).toEqual([3, 3, 3])
    expect(all3.at("acme/green@main").message).toContain("[redacted]")
    expectNoToken([...allText(dd2.checks), whole.stdout, whole.stderr])
  })

  it("a next-page link that climbs out of the base path with `..` is not followed, and the token is not sent there", async () => {
    const gh = await github({ repos: trioRepos(), basePath: "/api/v3" })
    gh.setFault("acme/hostile@main:check-runs", {
      status: 200,
      body: { total_count: 200, check_runs: [] },
      headers: { link: `<${gh.url}/api/v3/../../admin/secrets?page=2>; rel="next"` }
    })
    const dd = await datadog()
    const result = await cli(["run", "--once", "--config", config({ repos: trio })], { env: env(`${gh.url}/api/v3`, dd.url) })
    expect(result.code, result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect(checks.at("acme/hostile@main").message).toMatch(/refused to ask|outside the API's base path/)
    expect(gh.requests.filter((r) => !r.path.startsWith("/api/v3/"))).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// The bundled Lambda handler, whose own HTTP client reads answers ahead: it must stop too.

const node = lambdaNode
const BUNDLE = LAMBDA_BUNDLE
const INVOKER = LAMBDA_INVOKER

describe("a hostile GitHub, through the bundled Lambda handler", () => {
  beforeAll(buildLambda)

  it("a 60 MB chunked body with no content-length, under a 64 MB heap: the handler resolves, the body is dropped, every other check is delivered", async () => {
    const gh = await github({ repos: trioRepos(), faults: { "acme/hostile@main:status": { status: 200, streamBytes: 60 * 1024 * 1024 } } })
    const dd = await datadog()
    const run = startProcess(node, ["--max-old-space-size=64", INVOKER, BUNDLE], {
      cwd: root,
      timeoutMs: 60_000,
      env: {
        CONFIG: JSON.stringify({ repos: trio }),
        GITHUB_API_URL: gh.url,
        GITHUB_TOKEN: TOKEN,
        DD_API_URL: dd.url,
        DD_API_KEY: KEY,
        LAMBDA_TIMEOUT_MS: "30000"
      }
    })
    const peak = peakRss(run.child.pid, run.result)
    const result = await run.result
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expect(checks.at("acme/hostile@main").message).toContain("commit status: response too large")
    expect(await peak).toBeLessThan(200 * 1024 * 1024)
    expectNoToken([result.stdout, result.stderr])
  })

  it("a 401 echoing the token lower-cased: the Lambda's logs and Datadog never carry it", async () => {
    const gh = await github({
      repos: trioRepos(),
      faults: { "acme/hostile@main:check-runs": { status: 401, body: (h) => ({ message: `Bad credentials ${(h["authorization"] ?? "").toLowerCase()}` }) } }
    })
    const dd = await datadog()
    const result = await runProcess(node, [INVOKER, BUNDLE], {
      cwd: root,
      timeoutMs: 30_000,
      env: {
        CONFIG: JSON.stringify({ repos: trio, log_level: "debug" }),
        GITHUB_API_URL: gh.url,
        GITHUB_TOKEN: TOKEN,
        DD_API_URL: dd.url,
        DD_API_KEY: KEY
      }
    })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const checks = delivered(dd.checks, trio)
    expect(checks.statuses).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/hostile@main": 3 })
    expectNoToken([...allText(dd.checks), result.stdout, result.stderr])
  })
})

// ---------------------------------------------------------------------------------------------
// One redirect policy for every request: the App's token requests follow none either.

describe("redirects, for every kind of request", () => {
  it("a GitHub App whose token endpoint redirects to another host: not followed, the JWT never goes there, status 3 saying why", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" }
    })
    const elsewhere: Array<Record<string, string | undefined>> = []
    const sink = await listen((req, res) => {
      elsewhere.push(headersOf(req))
      res.writeHead(201, { "content-type": "application/json" })
      res.end(JSON.stringify({ token: "ghs_stolen", expires_at: new Date(Date.now() + 3600_000).toISOString() }))
    })
    // Every request is sent on to `sink`, path and all, as a hostile or broken proxy might.
    const front = await listen((req, res) => {
      res.writeHead(307, { location: `${sink.url}${req.url ?? "/"}` })
      res.end()
    })
    const dd = await datadog()
    try {
      const result = await cli(
        ["run", "--once", "--config", config({ repos: trio, github_app: { app_id: 1, installation_id: 7 } })],
        { env: { GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: front.url, DD_API_KEY: KEY, DD_API_URL: dd.url } }
      )
      expect(result.code, result.stderr).toBe(0)
      const checks = delivered(dd.checks, trio)
      expect(Object.values(checks.statuses)).toEqual([3, 3, 3])
      expect(checks.at("acme/green@main").message).toContain("GitHub redirected (307)")
      expect(elsewhere).toEqual([])
    } finally {
      await Promise.all([sink.close(), front.close()])
    }
  })
})
