/**
 * GitHub Enterprise Server: the REST API under `/api/v3`, GraphQL at `/api/graphql`, links to the
 * server's own web host, and rate limiting turned off (no `x-ratelimit-*` headers) — through the
 * real CLI, with a token and with a GitHub App.
 */
import { afterAll, describe, expect, it } from "vitest"
import { graphqlUrlOf } from "../../src/github/GitHubClient.ts"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHubOptions } from "../support/FakeGitHub.ts"
import { runCli, writeConfig } from "../e2e/support.ts"
import { APP_ID, green, keyPair, red, target } from "../app/support.ts"

const TOKEN = "ghp_GhesT0kenNeverPrinted0123456789abcdef"
const KEY = "ghesddkeyneverprinted0123456789abcdef0"
const WEB = "https://ghe.example.com"

const servers: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
const ghes = async (options: Partial<FakeGitHubOptions> = {}) => {
  const gh = await startFakeGitHub({
    repos: { "acme/api@main": green, "acme/web@main": red },
    basePath: "/api/v3",
    rateLimitHeaders: false,
    webUrl: WEB,
    ...options
  })
  const dd = await startFakeDatadog({ apiKey: KEY })
  servers.push(gh, dd)
  return { gh, dd }
}
const config = (extra: object = {}) => writeConfig(JSON.stringify({ repos: [target("acme/api@main"), target("acme/web@main")], ...extra }))

describe("GitHub Enterprise Server", () => {
  it("GraphQL sits beside the REST API: /api/v3 → /api/graphql", () => {
    expect(graphqlUrlOf("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com/api/graphql")
    expect(graphqlUrlOf("https://ghe.example.com/api/v3/")).toBe("https://ghe.example.com/api/graphql")
    expect(graphqlUrlOf("https://api.github.com")).toBe("https://api.github.com/graphql")
  })

  it.each(["rest", "graphql"])("api: %s — the cycle works without rate-limit headers, and links point at the server", async (api) => {
    const { gh, dd } = await ghes({ token: TOKEN })
    const r = await runCli(["run", "--once", "--config", config({ api })], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: `${gh.url}/api/v3`, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    const byRepo = (repo: string) => dd.checks.find((c) => c.tags.includes(`repo:${repo}`))!
    expect(byRepo("api").status).toBe(0)
    expect(byRepo("web").status).toBe(1)
    expect(byRepo("web").message).toContain(`${WEB}/acme/web/runs/`)
    // (The GraphQL fake writes suites' commit links with github.com whatever the server; REST's are all the server's.)
    if (api === "rest") expect(byRepo("web").message).not.toContain("https://github.com")
    const paths = gh.requests.map((q) => q.path)
    expect(paths.length).toBeGreaterThan(0)
    if (api === "rest") for (const p of paths) expect(p).toMatch(/^\/api\/v3\/repos\//)
    else expect(paths.every((p) => p === "/api/graphql")).toBe(true)
    for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(TOKEN)
  })

  it("a GitHub App on the server: the JWT and installation endpoints are under /api/v3 too", async () => {
    const { privateKey, publicKey } = keyPair()
    const { gh, dd } = await ghes({ app: { id: APP_ID, publicKey, installations: { acme: { id: 3 } } } })
    const r = await runCli(["run", "--once", "--config", config({ github_app: { app_id: APP_ID } })], {
      env: { GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: `${gh.url}/api/v3`, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expect(dd.checks.filter((c) => c.tags.some((t) => t.startsWith("repo:"))).map((c) => c.status)).toEqual([0, 1])
    expect(gh.requests.filter((q) => !q.path.startsWith("/api/v3/"))).toEqual([])
    expect(gh.requests.map((q) => q.path)).toContain("/api/v3/orgs/acme/installation")
    expect(gh.requests.map((q) => q.path)).toContain("/api/v3/app/installations/3/access_tokens")
    for (const t of gh.issuedTokens) expect(r.stdout + r.stderr).not.toContain(t.token)
  })
})
