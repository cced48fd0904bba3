/**
 * The GitHub client over real HTTP (FetchHttpClient) against the fake GitHub server: headers,
 * pagination over `Link`, error classification, retries, timeouts and the same-origin rule.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import type { GitHubConfigShape } from "../../src/github/GitHubClient.ts"
import { GitHubClient, nextLink, segment } from "../../src/github/GitHubClient.ts"
import { CheckRunsPage, CombinedStatus } from "../../src/github/Schemas.ts"
import type { FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { gitHubClientLayer, scopedFakeGitHub } from "../support/GitHubClientLayer.ts"
import { listen } from "../support/http.ts"

const TOKEN = "ghp_UnitTestToken0123456789abcdefABCDEF"
const USER_AGENT = "github-ci-monitor-test/9.9.9"

const fakeGitHub = scopedFakeGitHub

/** The client configured for `apiUrl`, over fetch. */
const clientAt = (apiUrl: string, overrides: Partial<GitHubConfigShape> = {}) =>
  GitHubClient.pipe(Effect.provide(gitHubClientLayer(apiUrl, TOKEN, { userAgent: USER_AGENT, ...overrides })))

const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success" }],
  checkRuns: [{ name: "build" }],
  checkSuites: [{}]
}
const statusPath = "/repos/acme/api/commits/main/status"
const runsPath = "/repos/acme/api/commits/main/check-runs"
const runNames = (page: typeof CheckRunsPage.Type) => page.check_runs.map((r) => r.name)

describe("nextLink", () => {
  it("finds rel=\"next\" wherever it stands in the header", () => {
    expect(nextLink(`<https://api.github.com/repositories/1/x?page=2>; rel="next", <https://api.github.com/repositories/1/x?page=5>; rel="last"`))
      .toBe("https://api.github.com/repositories/1/x?page=2")
    expect(nextLink(`<https://h/x?page=1>; rel="prev", <https://h/x?page=3>; rel="next", <https://h/x?page=1>; rel="first"`))
      .toBe("https://h/x?page=3")
  })

  it("reads an unquoted rel, extra spaces, and a rel with several values", () => {
    expect(nextLink(`<https://h/x?page=2>;rel=next`)).toBe("https://h/x?page=2")
    expect(nextLink(` <https://h/x?page=2> ;  rel="next"`)).toBe("https://h/x?page=2")
    expect(nextLink(`<https://h/x?page=2>; rel="next last"`)).toBe("https://h/x?page=2")
  })

  it("gives undefined on the last page, for no header and for an empty one", () => {
    expect(nextLink(`<https://h/x?page=1>; rel="prev", <https://h/x?page=1>; rel="first"`)).toBeUndefined()
    expect(nextLink(undefined)).toBeUndefined()
    expect(nextLink("")).toBeUndefined()
  })

  it("does not take rel=\"nextish\" or rel=\"prev\" for next", () => {
    expect(nextLink(`<https://h/x?page=9>; rel="nextish", <https://h/x?page=1>; rel="prev"`)).toBeUndefined()
  })
})

describe("segment", () => {
  it("encodes a ref with slashes as one path segment", () => {
    expect(segment("release/v2")).toBe("release%2Fv2")
  })
})

describe("GitHubClient over HTTP", () => {
  it.scopedLive("sends the Bearer token, GitHub's media type and API version, and the user agent", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ token: TOKEN, repos: { "acme/api@main": green } })
      const client = yield* clientAt(gh.url)
      const status = yield* client.get(statusPath, CombinedStatus, { per_page: "100" })
      expect(status.state).toBe("success")
      expect(gh.requests).toHaveLength(1)
      const [request] = gh.requests
      expect(request?.path).toBe(statusPath)
      expect(request?.query).toEqual({ per_page: "100" })
      expect(request?.headers).toMatchObject({
        authorization: `Bearer ${TOKEN}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": USER_AGENT
      })
      // No tracing headers leak to GitHub.
      expect(request?.headers["traceparent"]).toBeUndefined()
      expect(request?.headers["b3"]).toBeUndefined()
    }))

  it.scopedLive("without a token sends no authorization header", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      const client = yield* clientAt(gh.url, { token: Option.none() })
      yield* client.get(statusPath, CombinedStatus)
      expect(gh.requests).toHaveLength(1)
      expect(gh.requests[0]?.headers["authorization"]).toBeUndefined()
      expect(gh.requests[0]?.headers["accept"]).toBe("application/vnd.github+json")
    }))

  it.scopedLive("getAll follows Link over every page, in order, on the /repositories/{id} path GitHub gives", () =>
    Effect.gen(function*() {
      const runs = Array.from({ length: 250 }, (_, i) => ({ name: `job-${i + 1}` }))
      const gh = yield* fakeGitHub({ token: TOKEN, repos: { "acme/api@main": { checkRuns: runs } } })
      const client = yield* clientAt(gh.url)
      const all = yield* client.getAll(runsPath, CheckRunsPage, (page) => page.check_runs, { filter: "latest" })
      expect(all.map((r) => r.name)).toEqual(runs.map((r) => r.name))
      expect(gh.requests.map((r) => [r.path.replace(/\/repositories\/\d+\//, "/repositories/ID/"), r.query])).toEqual([
        [runsPath, { per_page: "100", filter: "latest" }],
        ["/repositories/ID/commits/main/check-runs", { per_page: "100", filter: "latest", page: "2" }],
        ["/repositories/ID/commits/main/check-runs", { per_page: "100", filter: "latest", page: "3" }]
      ])
      // The token goes along to the pages on the same host.
      for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
    }))

  it.scopedLive("getAll of a single page makes one request", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      const client = yield* clientAt(gh.url)
      const all = yield* client.getAll(runsPath, CheckRunsPage, (page) => page.check_runs)
      expect(all.map((r) => r.name)).toEqual(["build"])
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("getAll works under a GitHub Enterprise style base path (/api/v3)", () =>
    Effect.gen(function*() {
      // A proxy in front of the fake that strips /api/v3, as GHES serves the API under it.
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": { checkRuns: Array.from({ length: 150 }, (_, i) => ({ name: `j${i}` })) } } })
      const proxy = yield* Effect.acquireRelease(
        Effect.promise(() =>
          listen((req, res) => {
            const url = (req.url ?? "/").replace(/^\/api\/v3/, "")
            void fetch(`${gh.url}${url}`, { headers: { authorization: String(req.headers["authorization"] ?? "") } }).then(async (r) => {
              const link = r.headers.get("link")
              res.writeHead(r.status, {
                "content-type": "application/json",
                ...(link ? { link: link.replaceAll(gh.url, `${proxyUrl}/api/v3`) } : {})
              })
              res.end(await r.text())
            })
          })
        ),
        (p) => Effect.promise(() => p.close())
      )
      const proxyUrl = proxy.url
      const client = yield* clientAt(`${proxy.url}/api/v3`)
      const all = yield* client.getAll(runsPath, CheckRunsPage, (page) => page.check_runs)
      expect(all).toHaveLength(150)
      expect(gh.requests.map((r) => r.query["page"] ?? "1")).toEqual(["1", "2"])
    }))

  it.scopedLive("does not follow a next link to another host, and never sends it the token", () =>
    Effect.gen(function*() {
      const other = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: {
          "acme/api@main:check-runs": {
            status: 200,
            body: { total_count: 2, check_runs: [{ name: "build", status: "completed", conclusion: "success" }] },
            headers: { link: `<${other.url}/repos/acme/api/commits/main/check-runs?page=2>; rel="next"` }
          }
        }
      })
      const client = yield* clientAt(gh.url)
      const error = yield* Effect.flip(client.getAll(runsPath, CheckRunsPage, (page) => page.check_runs))
      expect(error.reason).toBe("unexpected_response")
      expect(error.detail).toContain("another host")
      expect(error.detail).toContain(new URL(other.url).host)
      expect(other.requests).toHaveLength(0)
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("stops a listing whose next links never end", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      // Every page says there is a next one: the same URL again.
      gh.setFault("acme/api@main:check-runs", {
        status: 200,
        body: { total_count: 1, check_runs: [{ name: "build", status: "completed", conclusion: "success" }] },
        headers: { link: `<${gh.url}${runsPath}?per_page=100>; rel="next"` }
      })
      const client = yield* clientAt(gh.url)
      const error = yield* Effect.flip(client.getAll(runsPath, CheckRunsPage, runNames))
      expect(error.reason).toBe("unexpected_response")
      expect(error.detail).toMatch(/more than \d+ pages/)
      expect(gh.requests.length).toBeLessThanOrEqual(100)
    }))
})

describe("GitHubClient error classification", () => {
  /** The error of one `get` of the status endpoint, served `fault`; and the fake, to count requests. */
  const statusError = (fault: NonNullable<FakeGitHubOptions["faults"]>[string] | undefined, options: Partial<FakeGitHubOptions> = {}, config: Partial<GitHubConfigShape> = {}) =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        ...(fault ? { faults: { "acme/api@main:status": fault } } : {}),
        ...options
      })
      const client = yield* clientAt(gh.url, config)
      const error = yield* Effect.flip(client.get(statusPath, CombinedStatus))
      return { error, gh }
    })

  it.scopedLive("401: unauthorized, with GitHub's message and never the token", () =>
    Effect.gen(function*() {
      const { error, gh } = yield* statusError(undefined, { token: "ghp_the-right-one" })
      expect(error.reason).toBe("unauthorized")
      expect(error.status).toBe(401)
      expect(error.detail).toBe("GitHub rejected the token (401: Bad credentials)")
      expect(JSON.stringify(error)).not.toContain(TOKEN)
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("403 without an exhausted rate limit: forbidden, naming the permissions needed", () =>
    Effect.gen(function*() {
      const { error, gh } = yield* statusError({ status: 403, body: { message: "Resource not accessible by integration" } })
      expect(error.reason).toBe("forbidden")
      expect(error.detail).toContain("Resource not accessible by integration")
      expect(error.detail).toContain("read access")
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("403 with x-ratelimit-remaining 0: rate limited until x-ratelimit-reset", () =>
    Effect.gen(function*() {
      const reset = Math.floor(Date.now() / 1000) + 1800
      const { error, gh } = yield* statusError({
        status: 403,
        body: { message: "API rate limit exceeded for user ID 1." },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) }
      })
      expect(error.reason).toBe("rate_limited")
      expect(error.resetAt?.getTime()).toBe(reset * 1000)
      expect(error.detail).toBe(`rate limited until ${new Date(reset * 1000).toISOString().slice(11, 19)} UTC`)
      expect(gh.requests).toHaveLength(1)
    }))

  it.scoped("429 with retry-after: rate limited until then, not retried within the cycle", () =>
    Effect.gen(function*() {
      // it.scoped runs on the TestClock at 0, so "now + 60 s" is exactly 60 000 ms.
      const { error, gh } = yield* statusError({ status: 429, body: { message: "You have exceeded a secondary rate limit." }, headers: { "retry-after": "60" } })
      expect(error.reason).toBe("rate_limited")
      expect(error.status).toBe(429)
      expect(error.resetAt?.getTime()).toBe(60_000)
      expect(error.detail).toBe("rate limited until 00:01:00 UTC (GitHub's secondary limit)")
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("404: not found, saying the repository is missing or invisible to the token", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      const client = yield* clientAt(gh.url)
      const error = yield* Effect.flip(client.get("/repos/acme/ghost/commits/main/status", CombinedStatus))
      expect(error.reason).toBe("not_found")
      expect(error.status).toBe(404)
      expect(error.detail).toContain("not found (404)")
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("422: not found, the ref is missing", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green } })
      const client = yield* clientAt(gh.url)
      const error = yield* Effect.flip(client.get(`/repos/acme/api/commits/${segment("release/v9")}/status`, CombinedStatus))
      expect(error.reason).toBe("not_found")
      expect(error.status).toBe(422)
      expect(error.detail).toBe("ref not found (422: No commit found for SHA: release/v9)")
      expect(gh.requests).toHaveLength(1)
    }))

  it.scopedLive("500 twice, then an answer: retried and succeeds", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        faults: { "acme/api@main:status": { status: 500, body: { message: "Server Error" }, times: 2 } }
      })
      const client = yield* clientAt(gh.url)
      const status = yield* client.get(statusPath, CombinedStatus)
      expect(status.state).toBe("success")
      expect(gh.requests).toHaveLength(3)
    }))

  it.scopedLive("500 forever: server_error after the retries", () =>
    Effect.gen(function*() {
      const { error, gh } = yield* statusError({ status: 502, body: "<html>Bad gateway</html>" })
      expect(error.reason).toBe("server_error")
      expect(error.status).toBe(502)
      expect(error.detail).toBe("GitHub server error (502)")
      expect(gh.requests).toHaveLength(3)
    }))

  it.scopedLive("a request that hangs fails with reason timeout after the requestTimeout", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const { error, gh } = yield* statusError({ status: 0 }, {}, { requestTimeout: "150 millis" })
      expect(error.reason).toBe("timeout")
      expect(error.detail).toContain("did not answer within")
      expect(gh.requests.length).toBeGreaterThanOrEqual(1)
      expect(Date.now() - started).toBeLessThan(4_000)
    }))

  it.scopedLive("a body that is not JSON: unexpected_response", () =>
    Effect.gen(function*() {
      const { error } = yield* statusError({ status: 200, body: "<html>Unicorn!</html>" })
      expect(error.reason).toBe("unexpected_response")
      expect(error.detail).toBe(`unexpected response from ${statusPath}: the body is not JSON`)
    }))

  it.scopedLive("JSON of the wrong shape: unexpected_response naming what is missing", () =>
    Effect.gen(function*() {
      const { error } = yield* statusError({ status: 200, body: { foo: 1 } })
      expect(error.reason).toBe("unexpected_response")
      expect(error.detail).toContain(`unexpected response body from ${statusPath}`)
      expect(error.detail).toMatch(/state|statuses/)
    }))

  it.scopedLive("an unexpected 4xx: unexpected_response with the status", () =>
    Effect.gen(function*() {
      const { error } = yield* statusError({ status: 418, body: { message: "I'm a teapot" } })
      expect(error.reason).toBe("unexpected_response")
      expect(error.detail).toBe("unexpected answer 418: I'm a teapot")
    }))

  it.live("nothing listening: transport, naming the host and the cause", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => listen((_req, res) => res.end()))
      yield* Effect.promise(() => server.close())
      const client = yield* clientAt(server.url)
      const error = yield* Effect.flip(client.get(statusPath, CombinedStatus))
      expect(error.reason).toBe("transport")
      expect(error.detail).toContain(`could not reach GitHub at ${new URL(server.url).host}`)
      expect(error.detail).toContain("ECONNREFUSED")
    }))
})

describe("GitHubClient concurrency", () => {
  it.scopedLive("never has more than `concurrency` requests in flight", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "acme/api@main": green }, faults: { "acme/api@main:status": { status: 0 } } })
      const client = yield* clientAt(gh.url, { concurrency: 2, requestTimeout: "10 seconds" })
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => client.get(statusPath, CombinedStatus)), { concurrency: "unbounded" }))
      yield* Effect.sleep("400 millis")
      expect(gh.requests).toHaveLength(2)
      yield* Fiber.interrupt(fiber)
    }))
})
