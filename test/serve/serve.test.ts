/**
 * `serve` end to end: the real bundled CLI (and Bun running the same entrypoint) against the
 * fake GitHub, scraped over HTTP. Metrics are read by the Prometheus project's parsers, the
 * cctray feed by an XML parser, and the status page by headless Chromium.
 */
import { chromium } from "playwright-core"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, waitFor, writeConfig } from "../e2e/support.ts"
import type { Running } from "../e2e/support.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { listen } from "../support/http.ts"
import { family, parseCctray, parseExposition, scrape, startServe as startServeIn, untilHealthy } from "./support.ts"
import type { ParsedFamily, Served } from "./support.ts"

const TOKEN = "ghp_ServeT0kenNeverPrinted0123456789abcdef"

/** What Prometheus (and the Datadog Agent's OpenMetrics check) send when they scrape. */
const scraperAccept =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

const servers: Array<{ close(): Promise<void> }> = []
const processes: Array<Running> = []
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL")
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const startServe = (args: ReadonlyArray<string>, env: Record<string, string>, runtime: "node" | "bun" = "node") =>
  startServeIn(processes, args, env, runtime)

const statuses = (families: ReadonlyArray<ParsedFamily>) =>
  Object.fromEntries(
    family(families, "github_ci_monitor_status").samples.map((s) => [`${s.labels["owner"]}/${s.labels["repo"]}@${s.labels["ref"]}`, s.value])
  )

const hostile = "<img src=x onerror=alert(1)>"
const green: RefSpec = { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
const repos: Record<string, RefSpec> = {
  "acme/green@main": green,
  "acme/red@main": {
    statuses: [{ context: "security/scan", state: "failure", target_url: "javascript:alert(document.cookie)" }],
    checkRuns: [
      { name: "build" },
      { name: "e2e", conclusion: "timed_out", html_url: "https://github.com/acme/red/runs/7" },
      { name: hostile, conclusion: "failure", html_url: "https://github.com/acme/red/runs/8" }
    ],
    checkSuites: [{ conclusion: "failure" }]
  },
  "acme/running@release/v2": { checkRuns: [{ name: "build" }, { name: "deploy", status: "in_progress" }] }
}
const keys = ["acme/green@main", "acme/red@main", "acme/running@release/v2", "acme/ghost@main"]
const tricky = "sre \"night\" \\ shift\nsecond line"
const config = (targets: ReadonlyArray<string> = keys, extra: object = {}) =>
  writeConfig(JSON.stringify({
    tags: { team: "platform", "cost-center": 42 },
    repos: targets.map((key) => {
      const at = key.indexOf("@")
      const [owner, repo] = key.slice(0, at).split("/")
      return {
        owner,
        repo,
        ref: key.slice(at + 1),
        ...(key === "acme/red@main" ? { tags: { repo: "shadow", "on-call": tricky } } : {})
      }
    }),
    ...extra
  }))
const envFor = (gh: FakeGitHub) => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url })

describe("serve (Node): the endpoints over the last cycle", () => {
  let gh: FakeGitHub
  let served: Served
  let requestsAfterFirstCycle = 0

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN, repos })
    servers.push(gh)
    // An hour between cycles: everything below sees the first cycle only.
    served = await startServe(["--interval", "1h", "--config", config()], envFor(gh))
    await untilHealthy(served)
    requestsAfterFirstCycle = gh.requests.length
  }, 60_000)

  it("says where it listens, and logs the cycle, without the token", () => {
    expect(served.stderr()).toMatch(/serving \/metrics, \/cctray\.xml, \/ and \/healthz on http:\/\/127\.0\.0\.1:\d+/)
    expect(served.stderr()).toMatch(/cycle: 2 OK, 1 failing, 1 unknown in \d+ ms; 12 GitHub requests/)
    expect(served.stderr()).not.toContain(TOKEN)
    expect(requestsAfterFirstCycle).toBe(keys.length * 3)
  })

  it("GET /metrics: Prometheus text 0.0.4, read by the Prometheus text parser", async () => {
    const r = await scrape(`${served.url}/metrics`)
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    const families = parseExposition(r.text, "prometheus")
    expect(statuses(families)).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/running@release/v2": 0, "acme/ghost@main": 3 })
    const red = family(families, "github_ci_monitor_status").samples.find((s) => s.labels["repo"] === "red")
    expect(red?.labels).toEqual({ owner: "acme", repo: "red", ref: "main", team: "platform", cost_center: "42", on_call: tricky })
    const failingChecks = family(families, "github_ci_monitor_failing_checks").samples.find((s) => s.labels["repo"] === "red")
    expect(failingChecks?.value).toBe(4) // the status, two runs, the suite
    expect(r.text).not.toContain(TOKEN)
  })

  it("GET /metrics with a scraper's Accept: OpenMetrics 1.0, read by the strict OpenMetrics parser", async () => {
    const r = await scrape(`${served.url}/metrics`, { headers: { accept: scraperAccept } })
    expect(r.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8")
    expect(r.text.endsWith("# EOF\n")).toBe(true)
    const families = parseExposition(r.text, "openmetrics")
    expect(statuses(families)).toEqual({ "acme/green@main": 0, "acme/red@main": 1, "acme/running@release/v2": 0, "acme/ghost@main": 3 })
    const now = Date.now() / 1000
    const last = family(families, "github_ci_monitor_last_cycle_timestamp_seconds").samples[0]?.value ?? 0
    expect(last).toBeGreaterThan(now - 120)
    expect(last).toBeLessThanOrEqual(now)
    expect(family(families, "github_ci_monitor_cycle_duration_seconds").samples[0]?.value).toBeGreaterThan(0)
    // Every request the fake GitHub saw is counted once, by how it ended: the ghost's three were 404s.
    const requests = Object.fromEntries(family(families, "github_ci_monitor_github_requests").samples.map((s) => [s.labels["result"] ?? "", s.value]))
    expect(requests).toMatchObject({ ok: 9, client_error: 3, server_error: 0, transport_error: 0 })
    expect(Object.values(requests).reduce((a, b) => a + b, 0)).toBe(requestsAfterFirstCycle)
    const remaining = family(families, "github_ci_monitor_github_rate_limit_remaining").samples[0]?.value
    expect(remaining).toBeGreaterThan(4900)
  })

  it("GET /cctray.xml: one Project per target, as CCMenu reads them", async () => {
    const r = await scrape(`${served.url}/cctray.xml`)
    expect(r.headers.get("content-type")).toBe("application/xml; charset=utf-8")
    const projects = parseCctray(r.text)
    const web = gh.url // a test API URL has no separate web host: its origin
    expect(projects.map((p) => [p.name, p.activity, p.lastBuildStatus, p.webUrl])).toEqual([
      ["acme/green@main", "Sleeping", "Success", `${web}/acme/green/commits/main`],
      ["acme/red@main", "Sleeping", "Failure", `${web}/acme/red/commits/main`],
      ["acme/running@release/v2", "Building", "Success", `${web}/acme/running/commits/release/v2`],
      ["acme/ghost@main", "Sleeping", "Unknown", `${web}/acme/ghost/commits/main`]
    ])
    for (const p of projects) {
      expect(p.lastBuildTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(Math.abs(Date.parse(p.lastBuildTime) - Date.now())).toBeLessThan(120_000)
    }
    expect(projects[1]?.lastBuildLabel).toContain(hostile)
  })

  it("GET /healthz: 200 with the counts", async () => {
    const r = await scrape(`${served.url}/healthz`)
    expect(r.status).toBe(200)
    expect(r.text).toMatch(/^ok: last cycle finished \d+s ago \(2 OK, 1 failing, 1 unknown\)\n$/)
  })

  describe("GET / in headless Chromium", () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
      })
    }, 60_000)
    afterAll(async () => {
      await browser?.close()
    })

    it("shows every target as a row, failing first, with the failing checks linked — without JavaScript", async () => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } })
      const page = await context.newPage()
      const dialogs: Array<string> = []
      page.on("dialog", (d) => {
        dialogs.push(d.message())
        void d.dismiss()
      })
      const response = await page.goto(`${served.url}/`)
      expect(response?.status()).toBe(200)
      const rows = page.locator("li.target")
      expect(await rows.count()).toBe(4)
      const seen = await rows.evaluateAll((els) => els.map((el) => [el.getAttribute("data-target"), el.getAttribute("data-level")]))
      expect(seen).toEqual([
        ["acme/red@main", "failing"],
        ["acme/ghost@main", "unknown"],
        ["acme/green@main", "ok"],
        ["acme/running@release/v2", "ok"]
      ])
      const red = page.locator(`li.target[data-target="acme/red@main"]`)
      expect(await red.locator("a", { hasText: "e2e" }).getAttribute("href")).toBe("https://github.com/acme/red/runs/7")
      // The hostile check name is text on the page, not an element; the javascript: link is not a link.
      expect(await red.textContent()).toContain(hostile)
      expect(await page.locator("li.target img").count()).toBe(0)
      expect(await page.locator(`a[href^="javascript:"]`).count()).toBe(0)
      expect(await red.textContent()).toContain("security/scan")
      expect(await page.locator(`li.target[data-target="acme/ghost@main"]`).textContent()).toContain("not found (404)")
      expect(await page.locator(`li.target[data-target="acme/running@release/v2"]`).textContent()).toContain("still running: deploy")
      expect(await page.locator(`meta[http-equiv="refresh"]`).getAttribute("content")).toBe("30")
      expect(await page.locator(`meta[name="viewport"]`).count()).toBe(1)
      const last = await page.locator(".last-cycle time").getAttribute("datetime")
      expect(Math.abs(Date.parse(last ?? "") - Date.now())).toBeLessThan(120_000)
      expect(await page.title()).toBe("1 failing · github-ci-monitor")
      expect(dialogs).toEqual([])
      await context.close()
    })

    it("rows are red, grey and green, and fit a phone's width", async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
      const page = await context.newPage()
      await page.goto(`${served.url}/`)
      const colors = await page.locator("li.target").evaluateAll((els) =>
        els.map((el) => [el.getAttribute("data-level"), getComputedStyle(el).borderLeftColor])
      )
      const byLevel = Object.fromEntries(colors)
      expect(byLevel["failing"]).toBe("rgb(207, 34, 46)")
      expect(byLevel["unknown"]).toBe("rgb(110, 119, 129)")
      expect(byLevel["ok"]).toBe("rgb(26, 127, 55)")
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow).toBeLessThanOrEqual(0)
      await context.close()
    })
  })

  it("unknown paths 404; other methods 405 with Allow: GET, HEAD; HEAD answers without a body", async () => {
    const missing = await scrape(`${served.url}/nope`)
    expect(missing.status).toBe(404)
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await scrape(`${served.url}/metrics`, { method, body: method === "DELETE" ? null : "x" })
      expect(r.status, method).toBe(405)
      expect(r.headers.get("allow")).toBe("GET, HEAD")
    }
    const head = await scrape(`${served.url}/metrics`, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(head.text).toBe("")
  })

  it("a scrape storm (500 requests, 50 at a time) is answered fast, and asks GitHub nothing", async () => {
    const before = gh.requests.length
    const paths = ["/metrics", "/cctray.xml", "/", "/healthz", "/nope"]
    const latencies: Array<number> = []
    const codes: Array<number> = []
    let next = 0
    const started = Date.now()
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < 500) {
        const i = next++
        const t0 = performance.now()
        const r = await fetch(`${served.url}${paths[i % paths.length]}`, i % 2 === 0 ? { headers: { accept: scraperAccept } } : {})
        await r.arrayBuffer()
        latencies.push(performance.now() - t0)
        codes.push(r.status)
      }
    }))
    const took = Date.now() - started
    expect(codes).toHaveLength(500)
    expect(codes.filter((c) => c === 200)).toHaveLength(400)
    expect(codes.filter((c) => c === 404)).toHaveLength(100)
    latencies.sort((a, b) => a - b)
    const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? Infinity
    expect(took, `500 requests took ${took} ms (p95 ${p95.toFixed(0)} ms)`).toBeLessThan(15_000)
    expect(p95).toBeLessThan(2_000)
    expect(gh.requests.length).toBe(before)
    expect(served.child.exitCode).toBeNull()
    expect((await scrape(`${served.url}/healthz`)).status).toBe(200)
  }, 60_000)

  it("SIGTERM stops it cleanly: exit 0, promptly", async () => {
    const started = Date.now()
    const r = await served.stop()
    expect(r.code, r.stderr).toBe(0)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(r.stderr).not.toContain(TOKEN)
  })
})

describe("serve: cycles in the background", () => {
  it("shows a change on GitHub after the next cycle (every 1s), keeping GitHub's answers cached", async () => {
    const gh = await startFakeGitHub({ token: TOKEN, repos: { "acme/flip@main": green } })
    servers.push(gh)
    const served = await startServe(["--interval", "1s", "--config", config(["acme/flip@main"])], envFor(gh))
    await untilHealthy(served)
    const metrics = async () => statuses(parseExposition((await scrape(`${served.url}/metrics`)).text, "prometheus"))
    expect(await metrics()).toEqual({ "acme/flip@main": 0 })
    gh.setRepo("acme/flip@main", { ...green, checkRuns: [{ name: "build", conclusion: "failure" }] })
    await waitFor("the failure to show", () => served.stderr().includes("0 OK, 1 failing"), 10_000)
    expect(await metrics()).toEqual({ "acme/flip@main": 1 })
    const feed = parseCctray((await scrape(`${served.url}/cctray.xml`)).text)
    expect(feed[0]?.lastBuildStatus).toBe("Failure")
    expect(feed[0]?.lastBuildLabel).toBe("1 failing: build")
    // Unchanged answers come back as 304s from the ETag cache.
    const om = parseExposition((await scrape(`${served.url}/metrics`, { headers: { accept: scraperAccept } })).text, "openmetrics")
    const notModified = family(om, "github_ci_monitor_github_requests").samples.find((s) => s.labels["result"] === "not_modified")
    expect(notModified?.value).toBeGreaterThan(0)
    expect((await served.stop()).code).toBe(0)
  }, 60_000)

  it("before the first cycle finishes: /healthz 503, the feed checking, the page grey; a hanging GitHub is cut at the interval", async () => {
    const gh = await startFakeGitHub({ token: TOKEN, repos: { "acme/green@main": green, "acme/slow@main": green }, faults: { "acme/slow@main:status": { status: 0 } } })
    servers.push(gh)
    const served = await startServe(["--interval", "3s", "--config", config(["acme/green@main", "acme/slow@main"])], envFor(gh))
    const health = await scrape(`${served.url}/healthz`)
    expect(health.status).toBe(503)
    expect(health.text).toMatch(/^starting: the first cycle has not finished yet/)
    const feed = parseCctray((await scrape(`${served.url}/cctray.xml`)).text)
    expect(feed.map((p) => [p.activity, p.lastBuildStatus])).toEqual([["CheckingModifications", "Unknown"], ["CheckingModifications", "Unknown"]])
    const page = await scrape(`${served.url}/`)
    expect(page.text.match(/data-level="pending"/g)).toHaveLength(2)
    expect(family(parseExposition((await scrape(`${served.url}/metrics`)).text, "prometheus"), "github_ci_monitor_status").samples).toEqual([])
    await untilHealthy(served, 15_000)
    const r = await scrape(`${served.url}/metrics`, { headers: { accept: scraperAccept } })
    const families = parseExposition(r.text, "openmetrics")
    expect(statuses(families)).toEqual({ "acme/green@main": 0, "acme/slow@main": 3 })
    const requests = Object.fromEntries(family(families, "github_ci_monitor_github_requests").samples.map((s) => [s.labels["result"] ?? "", s.value]))
    expect(requests["cancelled"]).toBeGreaterThanOrEqual(1)
    const projects = parseCctray((await scrape(`${served.url}/cctray.xml`)).text)
    expect(projects[1]?.lastBuildLabel).toMatch(/^unknown: no answer from GitHub before the cycle's deadline/)
    expect((await served.stop()).code).toBe(0)
  }, 60_000)
})

describe("serve: bad input stops it before anything is asked", () => {
  it.each([
    [["--interval", "10ms"], /--interval: "10ms" is shorter than 1s/],
    [["--interval", "soon"], /--interval: cannot read "soon" as a duration/],
    [["--port", "70000"], /--port: must be a whole number from 0 to 65535/],
    [["--port", "http"], /./]
  ])("%j: exit 2", async (args, message) => {
    const r = await runCli(["serve", ...args, "--config", config(["acme/green@main"])], { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: "http://127.0.0.1:9" } })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it("a missing configuration: exit 2", async () => {
    const r = await runCli(["serve", "--config", "/nonexistent/config.yml"], { env: {} })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("file not found")
  })

  it("a port already in use: exit 1, saying which", async () => {
    const busy = await listen((_req, res) => res.end())
    servers.push(busy)
    const port = new URL(busy.url).port
    const r = await runCli(["serve", "--host", "127.0.0.1", "--port", port, "--config", config(["acme/green@main"])], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: "http://127.0.0.1:9" }
    })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`)
    expect(r.stderr).toMatch(/EADDRINUSE/)
  })
})

describe("serve on Bun (BunHttpServer) answers like Node", () => {
  it("the same metrics, feed, page and errors", async () => {
    const gh = await startFakeGitHub({ token: TOKEN, repos })
    servers.push(gh)
    const served = await startServe(["--interval", "1h", "--config", config()], envFor(gh), "bun")
    await untilHealthy(served, 30_000)
    const prom = await scrape(`${served.url}/metrics`)
    expect(prom.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    expect(statuses(parseExposition(prom.text, "prometheus"))).toEqual({
      "acme/green@main": 0,
      "acme/red@main": 1,
      "acme/running@release/v2": 0,
      "acme/ghost@main": 3
    })
    const om = await scrape(`${served.url}/metrics`, { headers: { accept: scraperAccept } })
    expect(om.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8")
    expect(statuses(parseExposition(om.text, "openmetrics"))["acme/red@main"]).toBe(1)
    expect(parseCctray((await scrape(`${served.url}/cctray.xml`)).text).map((p) => p.lastBuildStatus)).toEqual(["Success", "Failure", "Success", "Unknown"])
    expect((await scrape(`${served.url}/`)).text.match(/class="target /g)).toHaveLength(4)
    expect((await scrape(`${served.url}/nope`)).status).toBe(404)
    const post = await scrape(`${served.url}/metrics`, { method: "POST", body: "x" })
    expect(post.status).toBe(405)
    expect(post.headers.get("allow")).toBe("GET, HEAD")
    const head = await scrape(`${served.url}/metrics`, { method: "HEAD" })
    expect([head.status, head.text]).toEqual([200, ""])
    const r = await served.stop()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(TOKEN)
  }, 90_000)
})
