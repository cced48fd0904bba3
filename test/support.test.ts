import { afterEach, describe, expect, it } from "vitest"
import { startFakeDatadog } from "./support/FakeDatadog.ts"
import { startFakeGitHub } from "./support/FakeGitHub.ts"
import type { FakeGitHubOptions } from "./support/FakeGitHub.ts"

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})
const github = async (options: FakeGitHubOptions) => {
  const fake = await startFakeGitHub(options)
  open.push(fake)
  return fake
}
const getJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init)
  return { res, body: (await res.json()) as Record<string, unknown> }
}
const nextLink = (res: Response) => /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1]
const runs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `job-${i + 1}` }))

describe("FakeGitHub", () => {
  it("paginates check runs over 3 pages with GitHub's Link header on another path", async () => {
    const gh = await github({ repos: { "acme/api@main": { checkRuns: runs(250) } } })
    const names: string[] = []
    const links: string[] = []
    let url: string | undefined = `${gh.url}/repos/acme/api/commits/main/check-runs?per_page=100`
    while (url) {
      const { res, body } = await getJson(url)
      expect(res.status).toBe(200)
      expect(body["total_count"]).toBe(250)
      names.push(...(body["check_runs"] as Array<{ name: string }>).map((r) => r.name))
      links.push(res.headers.get("link") ?? "")
      url = nextLink(res)
    }
    expect(names).toEqual(runs(250).map((r) => r.name))
    expect(gh.requests.map((r) => r.path)).toEqual([
      "/repos/acme/api/commits/main/check-runs",
      "/repositories/1000/commits/main/check-runs",
      "/repositories/1000/commits/main/check-runs"
    ])
    expect(links[0]).toBe(
      `<${gh.url}/repositories/1000/commits/main/check-runs?per_page=100&page=2>; rel="next", ` +
        `<${gh.url}/repositories/1000/commits/main/check-runs?per_page=100&page=3>; rel="last"`
    )
    expect(links[1]).toMatch(/rel="prev", .*rel="next", .*rel="last", .*page=1>; rel="first"$/)
    expect(links[2]).toMatch(/page=2>; rel="prev", .*page=1>; rel="first"$/)
  })

  it("serves 30 items per page by default and caps per_page", async () => {
    const gh = await github({ repos: { "acme/api@main": { checkRuns: runs(150) } }, pageSizeCap: 100 })
    const byDefault = await getJson(`${gh.url}/repos/acme/api/commits/main/check-runs`)
    expect((byDefault.body["check_runs"] as unknown[]).length).toBe(30)
    const capped = await getJson(`${gh.url}/repos/acme/api/commits/main/check-runs?per_page=500`)
    expect((capped.body["check_runs"] as unknown[]).length).toBe(100)
  })

  it("accepts a ref with slashes, encoded or raw, and links with it encoded", async () => {
    const gh = await github({
      repos: { "acme/api@release/v2": { statuses: [{ context: "ci/jenkins", state: "success" }], checkSuites: [{}, {}] } }
    })
    const encoded = await getJson(`${gh.url}/repos/acme/api/commits/release%2Fv2/status`)
    const raw = await getJson(`${gh.url}/repos/acme/api/commits/release/v2/status`)
    expect(encoded.res.status).toBe(200)
    expect(raw.body).toEqual(encoded.body)
    expect(raw.body["state"]).toBe("success")
    const page1 = await getJson(`${gh.url}/repos/acme/api/commits/release/v2/check-suites?per_page=1`)
    expect(nextLink(page1.res)).toBe(`${gh.url}/repositories/1000/commits/release%2Fv2/check-suites?per_page=1&page=2`)
    const page2 = await getJson(nextLink(page1.res) ?? "")
    expect(page2.body["total_count"]).toBe(2)
    expect((page2.body["check_suites"] as unknown[]).length).toBe(1)
  })

  it("builds bodies from GitHub's examples, with the combined state computed like GitHub", async () => {
    const gh = await github({
      repos: {
        "acme/api@main": {
          statuses: [
            { context: "ci/a", state: "success" },
            { context: "ci/b", state: "error", target_url: "https://ci.example/b" }
          ],
          checkRuns: [{ name: "build", conclusion: "failure" }, { name: "lint", status: "in_progress" }],
          checkSuites: [{ status: "queued", app_slug: "circleci" }]
        },
        "acme/api@empty": {}
      }
    })
    const status = (await getJson(`${gh.url}/repos/acme/api/commits/main/status`)).body
    expect(status).toMatchObject({ state: "failure", total_count: 2, repository: { full_name: "acme/api" } })
    expect(status["statuses"]).toMatchObject([{ context: "ci/a", target_url: null }, { state: "error", target_url: "https://ci.example/b" }])
    expect((await getJson(`${gh.url}/repos/acme/api/commits/empty/status`)).body["state"]).toBe("pending")
    const checkRuns = (await getJson(`${gh.url}/repos/acme/api/commits/main/check-runs`)).body["check_runs"]
    expect(checkRuns).toMatchObject([
      { name: "build", status: "completed", conclusion: "failure", completed_at: expect.any(String), output: expect.any(Object) },
      { name: "lint", status: "in_progress", conclusion: null, completed_at: null }
    ])
    const suites = (await getJson(`${gh.url}/repos/acme/api/commits/main/check-suites`)).body["check_suites"]
    expect(suites).toMatchObject([{ status: "queued", conclusion: null, latest_check_runs_count: 0, app: { slug: "circleci" } }])
  })

  it("answers 404 for an unknown repository and 422 for an unknown ref", async () => {
    const gh = await github({ repos: { "acme/api@main": {} } })
    const unknownRepo = await getJson(`${gh.url}/repos/acme/nope/commits/main/check-runs`)
    expect(unknownRepo.res.status).toBe(404)
    expect(unknownRepo.body).toEqual({ message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" })
    const unknownRef = await getJson(`${gh.url}/repos/acme/api/commits/nope/status`)
    expect(unknownRef.res.status).toBe(422)
    expect(unknownRef.body["message"]).toBe("No commit found for SHA: nope")
  })

  it("enforces the token and sends GitHub's headers on every response", async () => {
    const gh = await github({ repos: { "acme/api@main": {} }, token: "ghp_secret" })
    const url = `${gh.url}/repos/acme/api/commits/main/status`
    const denied = await getJson(url)
    expect(denied.res.status).toBe(401)
    expect(denied.body["message"]).toBe("Bad credentials")
    expect((await fetch(url, { headers: { authorization: "token ghp_secret" } })).status).toBe(401)
    const ok = await fetch(url, { headers: { Authorization: "Bearer ghp_secret" } })
    expect(ok.status).toBe(200)
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4997",
      "x-ratelimit-used": "3",
      "x-ratelimit-resource": "core",
      "x-ratelimit-reset": expect.stringMatching(/^\d+$/),
      "x-github-api-version-selected": "2022-11-28",
      etag: expect.stringMatching(/^W\/"[0-9a-f]+"$/)
    })
    expect(denied.res.headers.get("x-ratelimit-remaining")).toBe("4999")
    expect(gh.requests[2]?.headers["authorization"]).toBe("Bearer ghp_secret")
    // A conditional request answered 304 costs no rate limit, as on GitHub.
    const etag = ok.headers.get("etag") ?? ""
    const again = await fetch(url, { headers: { authorization: "Bearer ghp_secret", "if-none-match": etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get("x-ratelimit-remaining")).toBe("4997")
  })

  it("serves faults instead of the data, counted by times and per page", async () => {
    const gh = await github({
      repos: { "acme/api@main": { checkRuns: runs(3) } },
      faults: {
        "acme/api@main:status": { status: 502, body: "<html>Bad gateway", times: 1 },
        "acme/api@main:check-runs?page=2": { status: 403, body: { message: "API rate limit exceeded" }, headers: { "x-ratelimit-remaining": "0" } }
      }
    })
    const first = await fetch(`${gh.url}/repos/acme/api/commits/main/status`)
    expect([first.status, await first.text()]).toEqual([502, "<html>Bad gateway"])
    expect((await fetch(`${gh.url}/repos/acme/api/commits/main/status`)).status).toBe(200)
    const page1 = await fetch(`${gh.url}/repos/acme/api/commits/main/check-runs?per_page=2`)
    expect(page1.status).toBe(200)
    const page2 = await fetch(nextLink(page1) ?? "")
    expect([page2.status, page2.headers.get("x-ratelimit-remaining")]).toEqual([403, "0"])
    gh.setFault("acme/api@main:check-runs?page=2", undefined)
    expect((await fetch(nextLink(page1) ?? "")).status).toBe(200)
  })

  it("close() ends a request that a hanging fault never answers", async () => {
    const gh = await startFakeGitHub({ repos: { "acme/api@main": {} }, faults: { "acme/api@main:status": { status: 0 } } })
    const pending = fetch(`${gh.url}/repos/acme/api/commits/main/status`)
    await expect.poll(() => gh.requests.length).toBe(1)
    await gh.close()
    await expect(pending).rejects.toThrow()
  })
})

describe("FakeDatadog", () => {
  const check = { check: "ci.ok", host_name: "github-ci-monitor", status: 1, tags: ["repo:api"], message: "build failed" }
  const post = (url: string, body: string, key = "dd-key") =>
    fetch(`${url}/api/v1/check_run`, { method: "POST", headers: { "dd-api-key": key, "content-type": "application/json" }, body })

  it("answers 403 without the key, 400 for a bad body, 202 and records good checks", async () => {
    const dd = await startFakeDatadog({ apiKey: "dd-key" })
    open.push(dd)
    const forbidden = await post(dd.url, JSON.stringify([check]), "wrong")
    expect([forbidden.status, await forbidden.json()]).toEqual([403, { errors: ["Forbidden"] }])
    for (const bad of ["{not json", JSON.stringify([check, { ...check, status: 4 }]), JSON.stringify({ check: "x", status: 0 })]) {
      const res = await post(dd.url, bad)
      expect(res.status).toBe(400)
      expect((await res.json()) as unknown).toMatchObject({ errors: [expect.any(String)] })
    }
    expect(dd.checks).toEqual([])
    const accepted = await post(dd.url, JSON.stringify([check, { ...check, status: 0, tags: [] }]))
    expect([accepted.status, await accepted.json()]).toEqual([202, { status: "ok" }])
    expect((await post(dd.url, JSON.stringify({ check: "up", host_name: "h", status: 0 }))).status).toBe(202)
    expect(dd.checks).toEqual([check, { ...check, status: 0, tags: [] }, { check: "up", host_name: "h", status: 0, tags: [] }])
    expect(dd.requests[0]).toMatchObject({ method: "POST", url: "/api/v1/check_run", headers: { "dd-api-key": "wrong" } })
    const validate = await fetch(`${dd.url}/api/v1/validate`, { headers: { "dd-api-key": "dd-key" } })
    expect([validate.status, await validate.json()]).toEqual([200, { valid: true }])
    expect((await fetch(`${dd.url}/api/v1/series`, { method: "POST", headers: { "dd-api-key": "dd-key" } })).status).toBe(404)
  })

  it("serves faults in order before accepting, and hangs until close()", async () => {
    const dd = await startFakeDatadog({ faults: [{ status: 500, body: "oops" }, { status: 429, times: 2 }] })
    open.push(dd)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await post(dd.url, JSON.stringify(check))).status)
    expect(statuses).toEqual([500, 429, 429, 202])
    expect(dd.checks).toHaveLength(1)
    dd.setFaults([{ status: 0 }])
    const pending = post(dd.url, JSON.stringify(check))
    await expect.poll(() => dd.requests.length).toBe(5)
    await dd.close()
    await expect(pending).rejects.toThrow()
  })
})
