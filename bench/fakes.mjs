import { createHash } from "node:crypto"
// Local fake servers for the benchmark, all on 127.0.0.1 (no network):
//   fakeGitHub     — one green target, fixed answers (cold-start runs)
//   simulatedGitHub — N targets behind a per-request latency, half of them not green
//   fakeDatadog    — POST /api/v1/check_run → 202, counting the checks by status
import { readFileSync } from "node:fs"
import http from "node:http"
import https from "node:https"

/** The test servers' self-signed certificate: a client trusts it with NODE_EXTRA_CA_CERTS=caFile. */
export const tlsCaFile = new URL("../test/fixtures/tls/cert.pem", import.meta.url).pathname
const tlsOptions = () => ({ cert: readFileSync(tlsCaFile), key: readFileSync(new URL("../test/fixtures/tls/key.pem", import.meta.url)) })

/** Starts `handler` on an ephemeral port, over https with `{ tls: true }`; `close()` also drops kept-alive sockets. */
export const listen = (handler, { tls = false } = {}) =>
  new Promise((resolve, reject) => {
    const server = tls ? https.createServer(tlsOptions(), handler) : http.createServer(handler)
    server.keepAliveTimeout = 30_000
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `${tls ? "https" : "http"}://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()) })
      }))
  })

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
  res.end(JSON.stringify(body))
}

const commitRoute = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/(status|check-runs|check-suites)$/

const green = {
  status: { state: "success", statuses: [] },
  "check-runs": { total_count: 1, check_runs: [{ name: "build", status: "completed", conclusion: "success", html_url: "x" }] },
  "check-suites": { total_count: 1, check_suites: [{ id: 1, status: "completed", conclusion: "success", head_sha: "abc" }] }
}

/** Every commit route answers the green shapes at once. */
export const fakeGitHub = async (options) => {
  const stats = { requests: 0 }
  const server = await listen((req, res) => {
    stats.requests++
    const m = commitRoute.exec(new URL(req.url, "http://x").pathname)
    if (!m) return json(res, 404, { message: "Not Found" })
    json(res, 200, green[m[4]])
  }, options)
  return { ...server, stats }
}

/** Reads a request body as JSON (undefined when it is not JSON). */
const readJson = (req) =>
  new Promise((resolve) => {
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))) } catch { resolve(undefined) }
    })
  })

/**
 * `onPost(stats, checks)` is called after each POST is counted and before it is answered: a
 * caller can snapshot other counters at the exact moment a cycle's last checks arrive.
 */
export const fakeDatadog = async ({ onPost, ...options } = {}) => {
  const stats = { posts: 0, checks: 0, byStatus: {} }
  const server = await listen(async (req, res) => {
    const body = await readJson(req)
    if (req.method !== "POST" || new URL(req.url, "http://x").pathname !== "/api/v1/check_run" || !Array.isArray(body)) {
      return json(res, 400, { errors: ["bad request"] })
    }
    stats.posts++
    for (const check of body) {
      stats.checks++
      stats.byStatus[check.status] = (stats.byStatus[check.status] ?? 0) + 1
    }
    onPost?.(stats, body)
    json(res, 202, { status: "ok" })
  }, options)
  return {
    ...server,
    stats,
    reset: () => Object.assign(stats, { posts: 0, checks: 0, byStatus: {} })
  }
}

// --- The simulated GitHub ------------------------------------------------------------------------

/**
 * What target `i` plays (i % 10): even = green; 1 = a failing run on page 2 of 150 check runs;
 * 3 = failing combined status; 5 = repository gone (404 everywhere); 7 = pending (runs still in
 * progress, status pending); 9 = a failing check suite.
 */
export const kinds = ["green", "failing-run-page-2", "green", "failing-status", "green", "404", "green", "pending", "green", "failing-suite"]
export const simTarget = (i) => ({ owner: "sim", repo: `repo-${String(i).padStart(5, "0")}`, ref: "main" })
export const simConfig = (n) => ({ repos: Array.from({ length: n }, (_, i) => simTarget(i)) })
/** GitHub requests one REST cycle over n simulated targets asks: 3 a target, a second page of check runs for 1 in 10. */
export const restRequests = (n) => 3 * n + Math.floor((n + 8) / 10)

/**
 * Budgets that lift the tool's pacing to GitHub's secondary limits (900 REST / 2,000 GraphQL
 * points a minute per token by default) for sections that measure the tool's own speed: four
 * cycles' requests a minute, at least 10,000 and at most the 1,000,000 the tool accepts. Not
 * 1,000,000 always: the pacer keeps one timestamp per point of its budget (8 MB at 1,000,000),
 * which would be counted in the peak RSS measured.
 */
export const unpaced = (requestsPerCycle) => {
  const budget = Math.min(1_000_000, Math.max(10_000, 4 * requestsPerCycle))
  return { rest_points_per_minute: budget, graphql_points_per_minute: budget }
}

/** Datadog statuses a correct cycle sends for n targets (pending is not failing), plus the self-check (0). */
export const expectedStatuses = (n) => {
  const count = { 0: 1, 1: 0, 3: 0 }
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % 10]
    const status = kind === "404" ? 3 : kind.startsWith("failing") ? 1 : 0
    count[status]++
  }
  return count
}

const run = (i, conclusion = "success", status = "completed") => ({
  id: i,
  name: `job-${i}`,
  status,
  conclusion: status === "completed" ? conclusion : null,
  html_url: `https://github.com/sim/runs/${i}`,
  details_url: null
})
const manyRuns = Array.from({ length: 150 }, (_, i) => run(i + 1, i === 120 ? "failure" : "success"))

const bodies = {
  status: (kind) => ({
    state: kind === "failing-status" ? "failure" : kind === "pending" ? "pending" : "success",
    sha: "abc",
    total_count: 1,
    statuses: [{
      context: "ci/legacy",
      state: kind === "failing-status" ? "failure" : kind === "pending" ? "pending" : "success",
      target_url: "https://ci.example/1",
      description: null
    }]
  }),
  "check-runs": (kind) =>
    kind === "failing-run-page-2" ? manyRuns : [run(1, "success", kind === "pending" ? "in_progress" : "completed")],
  "check-suites": (kind) => ({
    total_count: 1,
    check_suites: [{
      id: 1,
      status: kind === "pending" ? "in_progress" : "completed",
      conclusion: kind === "failing-suite" ? "failure" : kind === "pending" ? null : "success",
      head_sha: "abc",
      app: { name: "GitHub Actions", slug: "github-actions" },
      repository: { html_url: "https://github.com/sim/repo" }
    }]
  })
}

/**
 * The most requests that arrived in any `windowMs` (GitHub's secondary limit counts a rolling
 * minute): `times` are arrival times in ms, ascending.
 */
export const maxInWindow = (times, windowMs = 60_000) => {
  let most = 0
  for (let start = 0, end = 0; start < times.length; start++) {
    while (end < times.length && times[end] < times[start] + windowMs) end++
    most = Math.max(most, end - start)
  }
  return most
}

/**
 * N targets (`sim/repo-NNNNN@main`), each request answered after `latencyMs`. With
 * `recordArrivals`, `stats.arrivals` holds each request's arrival time (performance.now(), ms).
 */
export const simulatedGitHub = async ({ latencyMs = 50, recordArrivals = false } = {}) => {
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, byCode: {}, arrivals: [] }
  const answer = (url) => {
    const m = commitRoute.exec(url.pathname)
    const i = m && m[1] === "sim" ? Number(/^repo-(\d+)$/.exec(m[2])?.[1]) : NaN
    if (!m || Number.isNaN(i)) return [404, { message: "Not Found" }]
    const kind = kinds[i % 10]
    if (kind === "404") return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }]
    if (m[4] !== "check-runs") return [200, bodies[m[4]](kind)]
    const runs = bodies["check-runs"](kind)
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30))
    const page = Number(url.searchParams.get("page") ?? 1)
    const headers = {}
    if (page * perPage < runs.length) {
      const next = new URL(url)
      next.searchParams.set("page", String(page + 1))
      headers.link = `<${next.href}>; rel="next"`
    }
    return [200, { total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) }, headers]
  }
  const server = await listen((req, res) => {
    stats.requests++
    if (recordArrivals) stats.arrivals.push(performance.now())
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight)
    const [answered, body, headers = {}] = answer(new URL(req.url, `http://${req.headers.host}`))
    // ETags like GitHub's: a request that names the current one is answered 304, with no body.
    const etag = answered === 200 ? `W/"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"` : undefined
    const code = etag !== undefined && req.headers["if-none-match"] === etag ? 304 : answered
    setTimeout(() => {
      stats.inFlight--
      stats.byCode[code] = (stats.byCode[code] ?? 0) + 1
      if (code === 304) {
        res.writeHead(304, { etag, ...headers })
        res.end()
      } else json(res, code, body, etag ? { etag, ...headers } : headers)
    }, latencyMs)
  })
  return {
    ...server,
    stats,
    reset: () => Object.assign(stats, { requests: 0, inFlight: 0, maxInFlight: 0, byCode: {}, arrivals: [] })
  }
}
