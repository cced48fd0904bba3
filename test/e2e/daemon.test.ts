/**
 * The long-running monitor (`run` without `--once`), as a child process of the bundled CLI: it
 * repeats its cycle, stops cleanly on SIGTERM/SIGINT after delivering the cycle in flight, and
 * refuses a bad `--interval` / `--schedule` with exit 2 before asking anyone anything.
 */
import http from "node:http"
import { afterAll, describe, expect, it } from "vitest"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { listen, readBody } from "../support/http.ts"
import { runCli, startCli, waitFor, writeConfig } from "./support.ts"
import type { CliResult } from "./support.ts"

const TOKEN = "ghp_DaemonT0kenNeverPrinted0123456789abcd"
const KEY = "daemonddkeyneverprinted0123456789abcdef"

const servers: Array<{ close(): Promise<void> }> = []
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
const fakes = async () => {
  const gh = await startFakeGitHub({ token: TOKEN, repos })
  const dd = await startFakeDatadog({ apiKey: KEY })
  servers.push(gh, dd)
  return { gh, dd }
}

/**
 * A GitHub that answers, but slowly: waits `delayMs`, then forwards the request to `upstream`
 * and relays its answer. `seen` counts the requests that arrived.
 */
const slowProxy = async (upstream: string, delayMs: number) => {
  const seen: string[] = []
  const server = await listen((req, res) => {
    seen.push(req.url ?? "/")
    void readBody(req).then((body) =>
      setTimeout(() => {
        const { host: _, ...headers } = req.headers
        const forward = http.request(new URL(req.url ?? "/", upstream), { method: req.method ?? "GET", headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        })
        forward.on("error", () => res.destroy())
        forward.end(body)
      }, delayMs)
    )
  })
  servers.push(server)
  return { url: server.url, seen }
}

const green: RefSpec = { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
const repos: Record<string, RefSpec> = {
  "acme/green@main": green,
  "acme/red@main": { ...green, checkRuns: [{ name: "e2e", conclusion: "failure", html_url: "https://github.com/acme/red/runs/3" }] }
}
const config = () =>
  writeConfig(JSON.stringify({
    repos: [{ owner: "acme", repo: "green", ref: "main" }, { owner: "acme", repo: "red", ref: "main" }]
  }))
const TARGETS = 2
const env = (github: string, dd: FakeDatadog) => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github, DD_API_KEY: KEY, DD_API_URL: dd.url })

const selfChecks = (dd: FakeDatadog) => dd.checks.filter((c) => !c.tags.some((t) => t.startsWith("repo:")))
const statusOf = (checks: ReadonlyArray<ServiceCheck>, repo: string) => checks.filter((c) => c.tags.includes(`repo:${repo}`)).map((c) => c.status)

const expectNoSecrets = (r: CliResult) => {
  for (const secret of [TOKEN, KEY]) {
    expect(r.stdout).not.toContain(secret)
    expect(r.stderr).not.toContain(secret)
  }
}

describe("run --interval: repeats, and stops cleanly on a signal", () => {
  it("runs a cycle at start and again every second; SIGTERM between cycles exits 0 promptly", async () => {
    const { gh, dd } = await fakes()
    const started = Date.now()
    const daemon = startCli(["run", "--interval", "1s", "--config", config()], { env: env(gh.url, dd), timeoutMs: 20_000 })
    // When each cycle's self-check arrived.
    const arrivals: number[] = []
    await waitFor("two cycles delivered", () => {
      while (arrivals.length < selfChecks(dd).length) arrivals.push(Date.now())
      return arrivals.length >= 2
    }, 15_000)
    const signalled = Date.now()
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectNoSecrets(r)
    expect(r.code, r.stderr).toBe(0)
    expect(Date.now() - signalled, "time from SIGTERM to exit").toBeLessThan(8_000)
    expect(r.stderr).toMatch(/running a cycle now and then every 1s/)
    // The first cycle ran at start; the second waited for the interval rather than running back to back.
    expect(arrivals[0]! - started).toBeLessThan(12_000)
    expect(arrivals[1]! - arrivals[0]!, "time between the first two cycles").toBeGreaterThanOrEqual(600)
    // Every cycle is whole: each target's check and one self-check, with the right statuses.
    const cycles = selfChecks(dd).length
    expect(cycles).toBeGreaterThanOrEqual(2)
    expect(dd.checks).toHaveLength(cycles * (TARGETS + 1))
    expect(statusOf(dd.checks, "green")).toEqual(Array(cycles).fill(0))
    expect(statusOf(dd.checks, "red")).toEqual(Array(cycles).fill(1))
    expect(r.stderr.match(/sent 3 of 3 checks to Datadog/g)).toHaveLength(cycles)
  })

  it("SIGTERM while a cycle is in flight: that cycle finishes, its checks are delivered, exit 0", async () => {
    const { gh, dd } = await fakes()
    const slow = await slowProxy(gh.url, 1500)
    const daemon = startCli(["run", "--interval", "1h", "--config", config()], { env: env(slow.url, dd), timeoutMs: 20_000 })
    await waitFor("the first cycle to ask GitHub", () => slow.seen.length > 0, 15_000)
    expect(dd.requests, "nothing delivered before GitHub answered").toHaveLength(0)
    const signalled = Date.now()
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectNoSecrets(r)
    expect(r.code, r.stderr).toBe(0)
    // It did not wait for the next cycle, an hour away.
    expect(Date.now() - signalled).toBeLessThan(12_000)
    expect(dd.checks).toHaveLength(TARGETS + 1)
    // The real answers, not "unknown" for an interrupted request.
    expect(statusOf(dd.checks, "green")).toEqual([0])
    expect(statusOf(dd.checks, "red")).toEqual([1])
    expect(selfChecks(dd)[0]?.message).toBe("github-ci-monitor checked 2 targets: 1 OK, 1 failing, 0 unknown")
    expect(r.stderr).toMatch(/sent 3 of 3 checks to Datadog/)
  })

  it("a cycle whose delivery fails is reported and the next cycle still runs", async () => {
    const gh = await startFakeGitHub({ token: TOKEN, repos })
    // The first cycle's POST and both its retries get 503; later ones are accepted.
    const dd = await startFakeDatadog({ apiKey: KEY, faults: [{ status: 503, body: { errors: ["Service Unavailable"] }, times: 3 }] })
    servers.push(gh, dd)
    const daemon = startCli(["run", "--interval", "1s", "--config", config()], { env: env(gh.url, dd), timeoutMs: 20_000 })
    await waitFor("a cycle delivered after the failed one", () => selfChecks(dd).length >= 1, 15_000)
    expect(daemon.child.exitCode, "the daemon stopped after a failed delivery").toBeNull()
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectNoSecrets(r)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/3 checks NOT delivered .*503/)
    expect(r.stderr).toMatch(/sent 3 of 3 checks to Datadog/)
    expect(statusOf(dd.checks, "red")[0]).toBe(1)
  })

  it("SIGINT (Ctrl-C) while waiting for the next cycle exits 0 without running another", async () => {
    const { gh, dd } = await fakes()
    const daemon = startCli(["run", "--interval", "1h", "--config", config()], { env: env(gh.url, dd), timeoutMs: 20_000 })
    await waitFor("the first cycle delivered", () => selfChecks(dd).length >= 1, 15_000)
    const signalled = Date.now()
    daemon.child.kill("SIGINT")
    const r = await daemon.result
    expect(r.code, r.stderr).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(8_000)
    expect(dd.checks).toHaveLength(TARGETS + 1)
  })

  it("--schedule runs the first cycle at start, then waits for the cron time; SIGTERM exits 0", async () => {
    const { gh, dd } = await fakes()
    const daemon = startCli(["run", "--schedule", "0 0 1 1 *", "--config", config()], { env: env(gh.url, dd), timeoutMs: 20_000 })
    await waitFor("the first cycle delivered", () => selfChecks(dd).length >= 1, 15_000)
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/on the cron schedule "0 0 1 1 \*" \(UTC\)/)
    expect(dd.checks).toHaveLength(TARGETS + 1)
  })
})

describe.concurrent("a bad --interval or --schedule exits 2 before any request", () => {
  it.each([
    { args: ["--schedule", "*/61 * * * *"], says: /--schedule: "\*\/61 \* \* \* \*" is not a cron expression/ },
    { args: ["--schedule", "every five minutes"], says: /--schedule: "every five minutes" is not a cron expression/ },
    { args: ["--interval", "5x"], says: /--interval: cannot read "5x" as a duration/ },
    { args: ["--interval", "500ms"], says: /--interval: "500ms" is shorter than 1s/ },
    { args: ["--interval", "1s", "--schedule", "* * * * *"], says: /--interval or --schedule, not both/ }
  ])("run $args", async ({ args, says }) => {
    const { gh, dd } = await fakes()
    const r = await runCli(["run", ...args, "--config", config()], { env: env(gh.url, dd), timeoutMs: 15_000 })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(says)
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  it("validate --schedule rejects an invalid cron expression with exit 2 and accepts a valid one", async () => {
    const file = config()
    const bad = await runCli(["validate", "--schedule", "*/61 * * * *", "--config", file])
    expect(bad.code, bad.stderr).toBe(2)
    expect(bad.stderr).toMatch(/--schedule: "\*\/61 \* \* \* \*" is not a cron expression/)
    const good = await runCli(["validate", "--schedule", "*/5 * * * *", "--config", file])
    expect(good.code, good.stderr).toBe(0)
  })
})
