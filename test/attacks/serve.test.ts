/**
 * Attacks on `serve` (issue 15): the real CLI process against a GitHub that sends hostile text —
 * a 5 MB check name, a schema error quoting a 1 MB value, markup, `]]>`, control characters,
 * lone surrogates — and one that echoes the token it was sent, in every letter case. The pages
 * stay small and well formed, a storm of 2,000 concurrent page loads stays under 300 MB RSS with
 * `/healthz` answering, healthy targets still show OK, and no page carries the token.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { writeConfig } from "../e2e/support.ts"
import type { Running } from "../e2e/support.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { listen } from "../support/http.ts"
import type { Listening } from "../support/http.ts"
import { family, parseCctray, parseExposition, scrape, startServe as startServeIn, untilHealthy } from "../serve/support.ts"
import type { Served } from "../serve/support.ts"

const servers: Array<{ close(): Promise<void> }> = []
const processes: Array<Running> = []
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL")
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
const startServe = (args: ReadonlyArray<string>, env: Record<string, string>) => startServeIn(processes, args, env)

const scraperAccept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
const MB = 1024 * 1024

/** Markup, CDATA end, terminal escapes, CR/LF, NUL, U+2028, quotes, a backslash and a lone surrogate. */
const nasty = "<script>alert(1)</script> ]]> \u0000\u0001\u001b[2J\r\n\u2028 \"q\" & 'a' \\ \uD800 end"
/** Characters XML 1.0 cannot carry, and C0/C1 controls no text output should pass on raw. */
const xmlForbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/
const controls = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/

/** One sample or comment line of a well-formed exposition (label values escaped: `\\`, `\"`, `\n` only). */
const labelValue = String.raw`"(?:[^"\\\n]|\\[\\"n])*"`
const sampleLine = new RegExp(
  String.raw`^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*=${labelValue}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})*\})? \S+$`
)
const wellFormedLines = (text: string) => {
  const lines = text.split("\n")
  expect(lines.pop()).toBe("")
  for (const line of lines) {
    if (line.startsWith("#")) expect(line, "a comment line").toMatch(/^# (?:HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* |^# EOF$/)
    else expect(line, "a sample line").toMatch(sampleLine)
    expect(line).not.toMatch(controls)
  }
}

/** The serve process's resident memory now (Linux), in bytes. */
const rss = (pid: number): number => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
  return Number(kb) * 1024
}

/** One GET over a fresh connection; the body is counted and dropped, so the test process stays small. */
const get = (url: string, agent: http.Agent) =>
  new Promise<{ status: number; bytes: number; ms: number }>((resolve, reject) => {
    const t0 = performance.now()
    http.get(url, { agent }, (res) => {
      let bytes = 0
      res.on("data", (chunk: Buffer) => (bytes += chunk.length))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }))
      res.on("error", reject)
    }).on("error", reject)
  })

/** Percent-decoded where it can be: a token may hide in a link's query. */
const decodeAll = (text: string) => text.replace(/(?:%[0-9a-fA-F]{2})+/g, (m) => {
  try {
    return decodeURIComponent(m)
  } catch {
    return m
  }
})

/** A GET from a process of its own: how long the answer took there, and its status. */
const probeFrom = (url: string) =>
  new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const script = `const t0 = performance.now();
      require("node:http").get(process.argv[1], { agent: false }, (res) => {
        res.resume();
        res.on("end", () => console.log(JSON.stringify({ status: res.statusCode, ms: performance.now() - t0 })));
      }).on("error", (e) => { console.error(e.message); process.exit(1) })`
    execFile(process.execPath, ["-e", script, url], { timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout) as { status: number; ms: number }))
  })

/** A row of the status page, by its target. */
const rowOf = (page: string, key: string) => {
  const start = page.indexOf(`data-target="${key}"`)
  if (start < 0) throw new Error(`no row for ${key}`)
  return page.slice(start, page.indexOf("</li>\n", start))
}

describe("serve against hostile GitHub text, 1,000 targets", () => {
  const TOKEN = "ghp_AttackServeT0ken0123456789abcdefABCD"
  const HOSTILE = 990
  const GREEN = 10
  const hostileKeys = Array.from({ length: HOSTILE }, (_, i) => `hostile/r${i}@main`)
  const greenKeys = Array.from({ length: GREEN }, (_, i) => `acme/green${i}@main`)
  /** 5 MB of `<script>&`: markup that would grow five-fold if escaped before it is cut. */
  const huge = "<script>&".repeat(Math.ceil((5 * MB) / 9))
  let gh: FakeGitHub
  let served: Served

  beforeAll(async () => {
    const repos: Record<string, RefSpec> = {}
    hostileKeys.forEach((key, i) => {
      repos[key] = {
        statuses: [{
          context: `${nasty} status ${i}`,
          state: "failure",
          target_url: `https://ci.example/${"p".repeat(3_000)}?q="><script>alert(1)</script>`,
          description: nasty.repeat(50)
        }],
        // Two failing runs of long names each; the first target has the 5 MB name and 40 more
        // runs, far more than a row may show.
        checkRuns: Array.from({ length: i === 0 ? 42 : 2 }, (_, n) => ({
          name: i === 0 && n === 0 ? huge : `${nasty} run ${n} ${"x".repeat(2_000)}`,
          conclusion: "failure",
          html_url: `https://github.com/hostile/r${i}/runs/${n}`
        })),
        checkSuites: [{ conclusion: "failure", app_name: nasty }]
      }
    })
    const green: RefSpec = { statuses: [{ context: "ci", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
    for (const key of greenKeys) repos[key] = green
    gh = await startFakeGitHub({ token: TOKEN, repos })
    servers.push(gh)
    const config = writeConfig(JSON.stringify({
      // GraphQL: 20 queries for the 1,000 targets, well within GitHub's secondary limit, where
      // REST's 3,000 requests would be paced over minutes.
      api: "graphql",
      // A tag value with every character an exposition line or XML must not carry raw.
      tags: { note: nasty },
      repos: [...hostileKeys, ...greenKeys].map((key) => {
        const at = key.indexOf("@")
        const [owner, repo] = key.slice(0, at).split("/")
        return { owner, repo, ref: key.slice(at + 1) }
      })
    }))
    served = await startServe(["--interval", "1h", "--config", config], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url })
    await untilHealthy(served, 120_000)
  }, 180_000)

  it("GET /: under 2 MB for 1,000 targets, no raw markup or control characters, each row cut", async () => {
    const r = await scrape(`${served.url}/`)
    expect(r.status).toBe(200)
    const bytes = Buffer.byteLength(r.text)
    console.info(`status page for 1,000 hostile targets: ${bytes} bytes`)
    expect(bytes).toBeLessThan(2 * MB)
    expect(r.text).not.toMatch(/<script/i)
    expect(r.text).not.toMatch(controls)
    expect(r.text.match(/<li class="target /g)).toHaveLength(HOSTILE + GREEN)
    // The 5 MB name and 41 more runs make a row of a few kilobytes, with a count of what is left out.
    const first = rowOf(r.text, "hostile/r0@main")
    expect(first.length).toBeLessThan(4_000)
    expect(first).toMatch(/and \d+ more/)
    for (const key of greenKeys) expect(rowOf(r.text, key)).toContain(`data-level="ok"`)
  })

  it("GET /cctray.xml: parses as XML, nothing XML 1.0 forbids, healthy targets Success", async () => {
    const r = await scrape(`${served.url}/cctray.xml`)
    expect(r.text).not.toMatch(xmlForbidden)
    expect(Buffer.byteLength(r.text)).toBeLessThan(2 * MB)
    const projects = parseCctray(r.text)
    expect(projects).toHaveLength(HOSTILE + GREEN)
    expect(projects.filter((p) => p.name.startsWith("acme/green")).map((p) => p.lastBuildStatus)).toEqual(greenKeys.map(() => "Success"))
    expect(projects.filter((p) => p.name.startsWith("hostile/")).every((p) => p.lastBuildStatus === "Failure")).toBe(true)
    for (const p of projects) expect(p.lastBuildLabel.length).toBeLessThanOrEqual(100)
  })

  it("GET /metrics: every line well formed in both formats, read by the Prometheus parsers", async () => {
    for (const [format, accept] of [["prometheus", "*/*"], ["openmetrics", scraperAccept]] as const) {
      const r = await scrape(`${served.url}/metrics`, { headers: { accept } })
      wellFormedLines(r.text)
      const samples = family(parseExposition(r.text, format), "github_ci_monitor_status").samples
      expect(samples).toHaveLength(HOSTILE + GREEN)
      expect(samples.filter((s) => s.labels["repo"]?.startsWith("green")).map((s) => s.value)).toEqual(greenKeys.map(() => 0))
      expect(samples.filter((s) => s.labels["owner"] === "hostile").every((s) => s.value === 1)).toBe(true)
    }
  })

  it("2,000 concurrent loads of /: under 300 MB RSS, /healthz answers within seconds, every load served", async () => {
    const pid = served.child.pid ?? 0
    const storm = async (loads: number) => {
      const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
      const results = await Promise.all(Array.from({ length: loads }, () => get(`${served.url}/`, agent)))
      agent.destroy()
      return results
    }
    // A server that has answered some pages already (its request path compiled), as minutes
    // after start; a storm on a process that has just started answers /healthz slower (docs/serve.md).
    await storm(200)
    const before = rss(pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 5)
    let finished = false
    const started = performance.now()
    const loads = storm(2_000).finally(() => (finished = true))
    // /healthz every 300 ms while the storm lasts, each from a process of its own (this one is
    // busy reading the storm's answers, which would slow its own probe, not serve).
    const probes: Array<Promise<{ status: number; ms: number }>> = []
    await new Promise((resolve) => setTimeout(resolve, 50))
    while (!finished) {
      probes.push(probeFrom(`${served.url}/healthz`))
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    const results = await loads
    const took = performance.now() - started
    clearInterval(sampler)
    peak = Math.max(peak, rss(pid))
    const answers = await Promise.all(probes)
    const bytes = results.reduce((a, r) => a + r.bytes, 0)
    console.info(
      `2,000 concurrent loads of /: ${(bytes / MB).toFixed(0)} MB served in ${took.toFixed(0)} ms; serve RSS ${(before / MB).toFixed(0)} MB before, ` +
        `peak ${(peak / MB).toFixed(0)} MB; /healthz answered in ${answers.map((a) => a.ms.toFixed(0)).join(", ")} ms`
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(2_000)
    expect(peak).toBeLessThan(300 * MB)
    expect(answers.length).toBeGreaterThan(0)
    // Within seconds, with room for a loaded 2-core CI machine (a quiet one answers in ≤ 2 s; an
    // unbounded page made it time out).
    for (const answer of answers) {
      expect(answer.status).toBe(200)
      expect(answer.ms).toBeLessThan(10_000)
    }
    expect(served.child.exitCode).toBeNull()
    // Still the same board afterwards: the healthy targets OK.
    expect(rowOf((await scrape(`${served.url}/`)).text, "acme/green0@main")).toContain(`data-level="ok"`)
  }, 120_000)

  it("SIGTERM still stops it cleanly", async () => {
    const r = await served.stop()
    expect(r.code, r.stderr.slice(-2_000)).toBe(0)
  })
})

/**
 * A GitHub that echoes the token it was sent: in error messages, in a check run's name, in a
 * status's link and description, in a schema error — as sent, lower-cased and upper-cased.
 */
const echoingGitHub = (): Promise<Listening> =>
  listen((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "")
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(body))
    }
    const m = /^\/repos\/echo\/([^/]+)\/commits\/main\/(status|check-runs|check-suites)$/.exec(new URL(req.url ?? "/", "http://x").pathname)
    if (!m) return send(404, { message: `Not Found (you sent ${token})` })
    const [, repo, endpoint] = m
    const green = repo === "green"
    if (repo === "unauthorized") return send(401, { message: `Bad credentials: ${token.toLowerCase()} is not ${token.toUpperCase()}` })
    if (endpoint === "status") {
      if (repo === "broken") return send(500, { message: `upstream failed for Authorization: Bearer ${token} (${token.toUpperCase()})` })
      return send(200, {
        state: green ? "success" : "failure",
        statuses: [{
          context: green ? "ci" : `leak ${token.toUpperCase()}`,
          state: green ? "success" : "failure",
          target_url: `https://ci.example/build?token=${token}&t2=${token.toLowerCase()}`,
          description: `sent ${token}`
        }]
      })
    }
    if (endpoint === "check-runs") {
      return send(200, {
        total_count: 1,
        check_runs: [{
          name: green ? "build" : `echo ${token.toLowerCase()} ${token.toUpperCase()}`,
          status: "completed",
          conclusion: green ? "success" : "failure",
          html_url: `https://github.com/echo/${repo}/runs/1?${token}`,
          details_url: null
        }]
      })
    }
    if (repo === "schema") {
      // Not the schema: the error quotes the value, 1 MB of it, the token first.
      return send(200, { total_count: 1, check_suites: [{ id: 1, status: "completed", conclusion: [`${token.toUpperCase()} ${"v".repeat(MB)}`], head_sha: token }] })
    }
    return send(200, { total_count: 0, check_suites: [] })
  })

describe("serve with a GitHub that echoes the token", () => {
  /** Matches none of GitHub's token formats: only the registered secret can catch its echoes. */
  const TOKEN = "Sekr1t-Serve-Echo-T0ken-4f9a2c"
  let served: Served
  let github: Listening

  beforeAll(async () => {
    github = await echoingGitHub()
    servers.push(github)
    const config = writeConfig(JSON.stringify({
      api: "rest",
      repos: ["green", "red", "broken", "unauthorized", "schema"].map((repo) => ({ owner: "echo", repo, ref: "main" }))
    }))
    served = await startServe(["--interval", "1h", "--config", config], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url })
    await untilHealthy(served)
  }, 60_000)

  it("no page carries the token in any letter case; the healthy target still shows OK", async () => {
    const pages = {
      "/": await scrape(`${served.url}/`),
      "/cctray.xml": await scrape(`${served.url}/cctray.xml`),
      "/metrics": await scrape(`${served.url}/metrics`),
      "/metrics (OpenMetrics)": await scrape(`${served.url}/metrics`, { headers: { accept: scraperAccept } }),
      "/healthz": await scrape(`${served.url}/healthz`),
      [`/${TOKEN}`]: await scrape(`${served.url}/${TOKEN}`)
    }
    for (const [path, r] of Object.entries(pages)) {
      expect(r.text.toLowerCase(), path).not.toContain(TOKEN.toLowerCase())
      expect(decodeAll(r.text).toLowerCase(), path).not.toContain(TOKEN.toLowerCase())
    }
    // The echoes were there to scrub: the failing targets show what GitHub said, redacted.
    expect(pages["/"].text).toContain("[redacted]")
    expect(rowOf(pages["/"].text, "echo/green@main")).toContain(`data-level="ok"`)
    expect(rowOf(pages["/"].text, "echo/red@main")).toContain(`data-level="failing"`)
    // The schema error quoting 1 MB is a line on the page, not a megabyte.
    expect(rowOf(pages["/"].text, "echo/schema@main").length).toBeLessThan(4_000)
    const projects = parseCctray(pages["/cctray.xml"].text)
    expect(projects.find((p) => p.name === "echo/green@main")?.lastBuildStatus).toBe("Success")
    const r = await served.stop()
    expect(r.code).toBe(0)
    expect(r.stderr.toLowerCase()).not.toContain(TOKEN.toLowerCase())
  })
})
