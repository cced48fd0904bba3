/**
 * End to end: the real CLI (`node bin/github-ci-monitor.mjs`) with `--api graphql`, `--shard`
 * and `repo: "*"`, against the fake GitHub (REST and GraphQL on the real schema) and the fake
 * Datadog.
 */
import { describe, expect, it } from "vitest"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import type { FakeGitHub, FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { runCli, writeConfig } from "../e2e/support.ts"
import { serversOfThisFile } from "../support/servers.ts"

const TOKEN = "ghp_E2eGraphQLTokenNeverPrinted123456789"
const KEY = "e2egraphqlddkeyneverprinted0123456789"

const servers = serversOfThisFile()
const github = (options: FakeGitHubOptions) => servers.github({ token: TOKEN, ...options })
const datadog = () => servers.datadog({ apiKey: KEY })
const env = (gh: FakeGitHub, dd: FakeDatadog) => ({ GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN, DD_API_URL: dd.url, DD_API_KEY: KEY })

const cli = async (args: ReadonlyArray<string>, environment: Record<string, string>) => {
  const result = await runCli(args, { env: environment })
  for (const secret of [TOKEN, KEY]) {
    expect(result.stdout).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
  }
  return result
}

const repoOf = (c: ServiceCheck) => c.tags.find((t) => t.startsWith("repo:"))?.slice(5)
/** The target checks (not the self-check), without their timestamps, by repository. */
const targetChecks = (dd: FakeDatadog) =>
  Object.fromEntries(dd.checks.filter((c) => repoOf(c) !== undefined).map(({ timestamp: _, ...c }) => [`${repoOf(c)}`, c]))

const fixtures: Record<string, RefSpec> = {
  "acme/green@main": { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] },
  "acme/red@main": {
    statuses: [{ context: "ci/jenkins", state: "failure", target_url: "https://ci.example/7" }],
    checkRuns: [...Array.from({ length: 140 }, (_, i) => ({ name: `shard ${i + 1}` })), { name: "e2e", conclusion: "timed_out" }],
    checkSuites: [{ app_name: "GitHub Actions", conclusion: "failure" }]
  },
  "acme/going@main": { statuses: [{ context: "deploy", state: "pending" }], checkRuns: [{ name: "build", status: "in_progress" }] },
  "acme/setup@main": { checkSuites: [{ app_name: "GitHub Actions", conclusion: "startup_failure" }] }
}
const targets = [
  ...Object.keys(fixtures).map((k) => ({ owner: "acme", repo: k.slice(5, k.indexOf("@")), ref: "main" })),
  { owner: "acme", repo: "gone", ref: "main" }
]

describe("run --once --api graphql", () => {
  it("delivers the same checks as REST, in a single GraphQL query, and logs its cost", async () => {
    const gh = await github({ repos: fixtures })
    const config = writeConfig(JSON.stringify({ log_level: "debug", repos: targets }))
    const ddRest = await datadog()
    const rest = await cli(["run", "--once", "--config", config], env(gh, ddRest))
    expect(rest.code, rest.stderr).toBe(0)
    const restRequests = gh.requests.length

    const ddGraphQL = await datadog()
    const viaGraphQL = await cli(["run", "--once", "--api", "graphql", "--config", config], env(gh, ddGraphQL))
    expect(viaGraphQL.code, viaGraphQL.stderr).toBe(0)
    const graphqlRequests = gh.requests.slice(restRequests)
    // 5 targets in one query, then one follow-up for the 141 runs of acme/red.
    expect(graphqlRequests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /graphql", "POST /graphql"])
    expect(viaGraphQL.stderr).toMatch(/debug: GitHub POST \/graphql: 200 in \d+ ms, rate limit remaining \d+; the query cost 1 point, \d+ left until /)
    expect(viaGraphQL.stderr).toMatch(/GitHub: 2 requests/)

    const restChecks = targetChecks(ddRest)
    const graphqlChecks = targetChecks(ddGraphQL)
    expect(Object.keys(graphqlChecks).sort()).toEqual(["going", "gone", "green", "red", "setup"])
    for (const repo of ["going", "green", "red", "setup"]) expect(graphqlChecks[repo], repo).toEqual(restChecks[repo])
    expect(graphqlChecks["gone"]?.status).toBe(3)
    expect(graphqlChecks["gone"]?.message).toContain("not found")
    expect(graphqlChecks["red"]?.message).toContain("e2e (timed_out)")
  })

  it("api: graphql in the file, split in two shards: every target once, none twice", async () => {
    const gh = await github({ repos: fixtures })
    const config = writeConfig(JSON.stringify({ api: "graphql", graphql_batch_size: 2, repos: targets }))
    const shards = []
    for (const shard of ["1/2", "2/2"]) {
      const dd = await datadog()
      const result = await cli(["run", "--once", "--shard", shard, "--config", config], env(gh, dd))
      expect(result.code, result.stderr).toBe(0)
      shards.push(Object.keys(targetChecks(dd)))
    }
    expect(shards.flat().sort()).toEqual(["going", "gone", "green", "red", "setup"])
    expect(gh.requests.every((r) => r.method === "POST" && r.path === "/graphql")).toBe(true)
  })

  it("a bad --api or --shard is a usage error (exit 2) that says what is wrong", async () => {
    const gh = await github({ repos: fixtures })
    const dd = await datadog()
    const config = writeConfig(JSON.stringify({ repos: targets }))
    const api = await cli(["run", "--once", "--api", "soap", "--config", config], env(gh, dd))
    expect(api.code).toBe(2)
    const shard = await cli(["run", "--once", "--shard", "9/8", "--config", config], env(gh, dd))
    expect(shard.code).toBe(2)
    expect(shard.stderr).toContain("--shard: must be K/N")
    expect(gh.requests).toHaveLength(0)
  })
})

describe("repo: \"*\"", () => {
  it("validate lists what a whole organization expanded to", async () => {
    const gh = await github({
      repos: {},
      repositories: { "acme/api": {}, "acme/web": { default_branch: "trunk" }, "acme/old": { archived: true }, "acme/fork": { fork: true } }
    })
    const config = writeConfig("repos:\n  - { owner: acme, repo: \"*\" }\n")
    const result = await cli(["validate", "--config", config], { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain("acme/api@main")
    expect(result.stdout).toContain("acme/web@trunk")
    expect(result.stdout).not.toContain("acme/old")
    expect(result.stdout).not.toContain("acme/fork")
    expect(result.stdout).toContain("2 targets")
  })

  it("run --once --api graphql watches every repository of the organization", async () => {
    const gh = await github({ repos: fixtures })
    const dd = await datadog()
    const config = writeConfig("api: graphql\nrepos:\n  - { owner: acme, repo: \"*\" }\n")
    const result = await cli(["run", "--once", "--config", config], env(gh, dd))
    expect(result.code, result.stderr).toBe(0)
    expect(Object.keys(targetChecks(dd)).sort()).toEqual(["going", "green", "red", "setup"])
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /orgs/acme/repos", "POST /graphql", "POST /graphql"])
  })

  it("an organization that cannot be listed is a configuration error (exit 2), before any check", async () => {
    const gh = await github({ repos: fixtures })
    const dd = await datadog()
    const config = writeConfig("repos:\n  - { owner: nobody, repo: \"*\" }\n")
    const result = await cli(["run", "--once", "--config", config], env(gh, dd))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("repos[0]: could not list the repositories of nobody")
    expect(dd.checks).toHaveLength(0)
  })
})
