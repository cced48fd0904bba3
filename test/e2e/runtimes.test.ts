/**
 * One source tree on Node, Deno and Bun: the same `run --once` (same configuration, same fake
 * GitHub) under the bundled CLI on Node, `deno run -A entrypoints/cli.ts` and
 * `bun entrypoints/cli.ts` must deliver the same checks and exit the same way.
 */
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { root, runCli, runProcess, writeConfig } from "./support.ts"
import type { CliOptions, CliResult } from "./support.ts"

const TOKEN = "ghp_RuntimesT0kenNeverPrinted0123456789ab"
const KEY = "runtimesddkeyneverprinted0123456789abcd"

const deno = join(root, "node_modules", ".bin", "deno")
const bun = join(root, "node_modules", ".bin", "bun")

type Runtime = "node" | "deno" | "bun"
const runtimes: ReadonlyArray<Runtime> = ["node", "deno", "bun"]

/** `run --once …` under one runtime; Deno's first run may compile, so the timeout is generous. */
const runOnce = async (runtime: Runtime, args: ReadonlyArray<string>, env: Record<string, string>): Promise<CliResult> => {
  const options: CliOptions = { env, cwd: root, timeoutMs: 60_000 }
  const result = runtime === "node"
    ? await runCli(["run", "--once", ...args], options)
    : runtime === "deno"
    ? await runProcess(deno, ["run", "-A", "entrypoints/cli.ts", "run", "--once", ...args], options)
    : await runProcess(bun, ["entrypoints/cli.ts", "run", "--once", ...args], options)
  for (const secret of [TOKEN, KEY]) {
    expect(result.stdout, `${runtime}: a secret was printed on stdout`).not.toContain(secret)
    expect(result.stderr, `${runtime}: a secret was printed on stderr`).not.toContain(secret)
  }
  return result
}

const servers: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success", target_url: "https://jenkins.example/job/1" }],
  checkRuns: [{ name: "build" }, { name: "test" }],
  checkSuites: [{ app_name: "GitHub Actions" }]
}
const repos: Record<string, RefSpec> = {
  "acme/green@main": green,
  "acme/red@main": {
    ...green,
    statuses: [{ context: "security/snyk", state: "failure", target_url: "https://snyk.example/acme/red" }],
    checkRuns: [{ name: "build" }, { name: "e2e", conclusion: "timed_out", html_url: "https://github.com/acme/red/runs/9" }]
  },
  "acme/pending@main": { checkRuns: [{ name: "deploy", status: "in_progress" }] },
  "acme/api@release/v2": {
    ...green,
    checkRuns: Array.from({ length: 130 }, (_, i) =>
      i === 120 ? { name: "lint", conclusion: "failure", html_url: "https://github.com/acme/api/runs/121" } : { name: `unit ${i + 1}` })
  }
}
/** acme/old-red was renamed acme/red: GitHub answers 301, which every runtime must follow. */
const renamed = { "acme/old-red": "acme/red" }
const targets = ["acme/green@main", "acme/red@main", "acme/pending@main", "acme/api@release/v2", "acme/ghost@main", "acme/old-red@main"]
const configText = JSON.stringify({
  tags: { team: "platform" },
  repos: targets.map((key) => {
    const at = key.indexOf("@")
    const [owner, repo] = key.slice(0, at).split("/")
    return { owner, repo, ref: key.slice(at + 1), ...(key === "acme/pending@main" ? { check_run: true } : {}) }
  })
}, null, 2)

/** What a Datadog user sees of a check: everything but the timestamp, in a stable order. */
const seen = (checks: ReadonlyArray<ServiceCheck>) =>
  checks
    .map(({ check, host_name, status, tags, message }) => ({ check, host_name, status, tags, message }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))

const tag = (c: { tags: string[] }, name: string) => c.tags.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1)

describe("the same run --once on Node, Deno and Bun", () => {
  let gh: FakeGitHub
  const dd = {} as Record<Runtime, FakeDatadog>
  const results = {} as Record<Runtime, CliResult>

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN, repos, pageSizeCap: 100, renamed })
    servers.push(gh)
    const file = writeConfig(configText)
    await Promise.all(runtimes.map(async (runtime) => {
      dd[runtime] = await startFakeDatadog({ apiKey: KEY })
      servers.push(dd[runtime])
      results[runtime] = await runOnce(runtime, ["--config", file], {
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: gh.url,
        DD_API_KEY: KEY,
        DD_API_URL: dd[runtime].url
      })
    }))
  }, 120_000)

  it.each(runtimes)("%s exits 0 and says every check was sent", (runtime) => {
    const r = results[runtime]
    expect(r.code, `${runtime}:\n${r.stderr}`).toBe(0)
    expect(r.stderr).toMatch(/sent 7 of 7 checks to Datadog .*: 2 OK, 3 failing, 1 unknown/)
  })

  it("Node delivers the expected checks (the reference the others are compared with)", () => {
    const checks = dd.node.checks
    expect(checks).toHaveLength(targets.length + 1)
    const status = Object.fromEntries(checks.map((c) => [tag(c, "repo") ? `${tag(c, "owner")}/${tag(c, "repo")}@${tag(c, "ref")}` : c.check, c.status]))
    expect(status).toEqual({
      "acme/green@main": 0,
      "acme/red@main": 1,
      "acme/pending@main": 0,
      "acme/api@release/v2": 1,
      "acme/ghost@main": 3,
      "acme/old-red@main": 1,
      "github_ci_monitor.up": 0
    })
    // Followed to acme/red's data (else it would be 3), and reported under the name configured.
    expect(checks.find((c) => tag(c, "repo") === "old-red")?.message).toContain("e2e (timed_out) https://github.com/acme/red/runs/9")
    const api = checks.find((c) => tag(c, "ref") === "release/v2")
    expect(api?.message).toContain("lint (failure) https://github.com/acme/api/runs/121")
  })

  it.each(["deno", "bun"] as const)("%s delivers the same checks as Node (check, status, tags, message)", (runtime) => {
    expect(dd[runtime].checks).toHaveLength(targets.length + 1)
    expect(seen(dd[runtime].checks)).toEqual(seen(dd.node.checks))
  })

  it.each(runtimes)("%s sends the Datadog key in the DD-API-KEY header, not in the URL", (runtime) => {
    expect(dd[runtime].requests.length).toBeGreaterThan(0)
    for (const r of dd[runtime].requests) {
      expect(r.headers["dd-api-key"]).toBe(KEY)
      expect(r.url).toBe("/api/v1/check_run")
    }
  })

  it("every runtime asked GitHub with the token (no 401 anywhere)", () => {
    expect(gh.requests.length).toBeGreaterThan(0)
    for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
  })
})

describe("a failing delivery exits 1 on every runtime", () => {
  const results = {} as Record<Runtime, CliResult>
  let dd: FakeDatadog

  beforeAll(async () => {
    const gh = await startFakeGitHub({ token: TOKEN, repos })
    dd = await startFakeDatadog({ apiKey: KEY })
    servers.push(gh, dd)
    const file = writeConfig(configText)
    await Promise.all(runtimes.map(async (runtime) => {
      results[runtime] = await runOnce(runtime, ["--config", file], {
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: gh.url,
        DD_API_KEY: "not-the-key-datadog-knows",
        DD_API_URL: dd.url
      })
    }))
  }, 120_000)

  it.each(runtimes)("%s: Datadog answers 403, exit 1 and the reason on stderr", (runtime) => {
    const r = results[runtime]
    expect(r.code, `${runtime}:\n${r.stderr}`).toBe(1)
    expect(r.stderr).toMatch(/rejected the API key \(403\)/)
    expect(r.stderr).not.toContain("not-the-key-datadog-knows")
  })

  it("no check was accepted", () => {
    expect(dd.checks).toHaveLength(0)
    expect(dd.requests.length).toBeGreaterThanOrEqual(runtimes.length)
  })
})

describe("Deno Deploy entrypoint", () => {
  it("an invalid SCHEDULE stops it at once with a message naming the variable", async () => {
    const started = Date.now()
    const r = await runProcess(deno, ["run", "-A", "entrypoints/deno.ts"], {
      cwd: root,
      timeoutMs: 30_000,
      env: { SCHEDULE: "*/61 * * * *", CONFIG: configText }
    })
    expect(r.code, r.stderr).not.toBe(0)
    expect(r.code).not.toBeNull() // not killed by the timeout: it exited by itself
    expect(r.stderr).toContain('SCHEDULE: "*/61 * * * *" is not a cron expression')
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})
