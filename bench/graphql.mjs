// The GraphQL mode of the benchmark (issue 5): one cycle of `node dist/cli.mjs run --once
// --api graphql` against a simulated GitHub on 127.0.0.1 that answers GraphQL with a latency per
// request. The simulator is the test suite's fake (test/support/FakeGitHubGraphQL.ts): every
// query is validated and executed against GitHub's real public schema, and its cost is GitHub's
// documented formula, so the points printed are what GitHub would charge for these queries.
// The targets are bench/fakes.mjs's: half green, half not (a failing run on page 2 of 150 check
// runs, a failing status, a failing suite, a repository that is gone, one still pending).
//
// `bench/run.mjs` runs it beside the REST numbers; alone: `node bench/graphql.mjs`.
// Env (alone): BENCH_TARGETS (default "100,1000,5000"), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY (10),
//              BENCH_GRAPHQL_BATCH (the CLI's default, 50).
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { tsImport } from "tsx/esm/api"
import { expectedStatuses, fakeDatadog, kinds, listen, simConfig, unpaced } from "./fakes.mjs"
import { parseSent } from "./parse.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
export const GOALS = { requests: 40, wallMs: 2000, pointsPer1000: 80, rssMb: 150 }


// --- the simulated GitHub, GraphQL side ------------------------------------------------------------

const sha = (text) => createHash("sha1").update(text).digest("hex")
const indexOfRepo = (owner, name) => {
  const m = owner === "sim" ? /^repo-(\d+)$/.exec(name) : null
  return m ? Number(m[1]) : undefined
}

const commits = new Map()
/** The commit of `sim/repo-NNNNN@main` in REST's shapes, as bench/fakes.mjs's REST simulator has it (built once). */
const commitOf = (i) => {
  if (!commits.has(i)) commits.set(i, makeCommit(i))
  return commits.get(i)
}
const makeCommit = (i) => {
  const kind = kinds[i % 10]
  const repo = `repo-${String(i).padStart(5, "0")}`
  const state = kind === "failing-status" ? "failure" : kind === "pending" ? "pending" : "success"
  const run = (n, conclusion = "success", status = "completed") => ({
    id: n,
    name: `job-${n}`,
    status,
    conclusion: status === "completed" ? conclusion : null,
    html_url: `https://github.com/sim/runs/${n}`,
    details_url: null
  })
  const status = { state, statuses: [{ id: 1, context: "ci/legacy", state, target_url: "https://ci.example/1", description: null }] }
  const runs = kind === "failing-run-page-2"
    ? Array.from({ length: 150 }, (_, k) => run(k + 1, k === 120 ? "failure" : "success"))
    : [run(1, "success", kind === "pending" ? "in_progress" : "completed")]
  const suites = [{
    id: 1,
    status: kind === "pending" ? "in_progress" : "completed",
    conclusion: kind === "failing-suite" ? "failure" : kind === "pending" ? null : "success",
    app: { id: 15368, name: "GitHub Actions", slug: "github-actions" }
  }]
  return { owner: "sim", repo, ref: "main", sha: sha(`sim/${repo}@main`), status: () => status, checkRuns: () => runs, checkSuites: () => suites }
}

const simData = {
  repository: (owner, name) => {
    const i = indexOfRepo(owner, name)
    return i === undefined || kinds[i % 10] === "404" ? undefined : { owner, repo: name }
  },
  commit: (owner, repo, expression) => {
    const i = indexOfRepo(owner, repo)
    return i !== undefined && expression === "main" ? commitOf(i) : undefined
  },
  commitByOid: (owner, repo, oid) => {
    const i = indexOfRepo(owner, repo)
    const c = i === undefined ? undefined : commitOf(i)
    return c && c.sha === oid ? c : undefined
  },
  fieldError: () => undefined
}

/** GitHub's GraphQL endpoint, simulated: each answer after `latencyMs`. */
export const simulatedGraphQL = async ({ latencyMs = 50 } = {}) => {
  const { answerGraphQL, githubSchema } = await tsImport("../test/support/FakeGitHubGraphQL.ts", import.meta.url)
  githubSchema() // built once, before anything is timed
  const rate = { limit: 5000, used: 0, resetAt: new Date(Date.now() + 3600_000) }
  // Warm up (JIT) on the queries the CLI sends, so the first cycle times the tool, not the simulator.
  const { buildQuery, firstAsk } = await tsImport("../src/sources/GraphQLQuery.ts", import.meta.url)
  const simTargets = Array.from({ length: 50 }, (_, i) => ({
    owner: "sim", repo: `repo-${String(100_000 + i)}`, ref: "main",
    sources: { status: true, check_runs: true, check_suites: true }, failOn: ["failure"], tags: []
  }))
  const warm = JSON.stringify(buildQuery(simTargets.map((t) => firstAsk(t))))
  for (let k = 0; k < 30; k++) answerGraphQL(warm, simData, { ...rate, used: 0 })
  const stats = { requests: 0, other: 0, inFlight: 0, maxInFlight: 0, cost: 0, maxNodes: 0, maxCost: 0, errors: 0, executeMs: 0 }
  const server = await listen((req, res) => {
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight)
      let status = 404
      let body = { message: "Not Found" }
      if (req.method === "POST" && new URL(req.url, "http://x").pathname === "/graphql") {
        stats.requests++
        const t0 = performance.now()
        const result = answerGraphQL(Buffer.concat(chunks).toString("utf8"), simData, rate)
        stats.executeMs += performance.now() - t0
        status = result.status
        body = result.body
        stats.cost += result.cost
        stats.maxCost = Math.max(stats.maxCost, result.cost)
        stats.maxNodes = Math.max(stats.maxNodes, result.nodes)
        if (!result.body.data) stats.errors++
      } else {
        stats.other++
      }
      setTimeout(() => {
        stats.inFlight--
        res.writeHead(status, {
          "content-type": "application/json; charset=utf-8",
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": String(Math.max(0, rate.limit - rate.used)),
          "x-ratelimit-reset": String(Math.floor(rate.resetAt.getTime() / 1000)),
          "x-ratelimit-resource": "graphql"
        })
        res.end(JSON.stringify(body))
      }, latencyMs)
    })
  })
  return {
    ...server,
    stats,
    reset: () => Object.assign(stats, { requests: 0, other: 0, inFlight: 0, maxInFlight: 0, cost: 0, maxNodes: 0, maxCost: 0, errors: 0, executeMs: 0 })
  }
}

// --- one cycle ------------------------------------------------------------------------------------

const cleanEnv = (extra) => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^(CONFIG|CONFIG_FILE|GITHUB_|DD_|DATADOG_|AWS_)/.test(k)) delete env[k]
  return { ...env, NO_COLOR: "1", ...extra }
}

/** Runs `cmd args`; peak RSS from GNU time when there, else VmHWM polled every 20 ms. */
const spawnTimed = (cmd, args, env) =>
  new Promise((resolve, reject) => {
    const withTime = existsSync("/usr/bin/time")
    const t0 = performance.now()
    const child = withTime ? spawn("/usr/bin/time", ["-v", cmd, ...args], { env, cwd: root }) : spawn(cmd, args, { env, cwd: root })
    let stdout = "", stderr = "", peakKb = 0
    const poll = withTime ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch { /* gone */ }
    }, 20)
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => {
      clearInterval(poll)
      if (withTime) peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN)
      resolve({ code, wall: performance.now() - t0, stdout, stderr, peakKb, rssMethod: withTime ? "/usr/bin/time -v" : "VmHWM poll" })
    })
  })

const table = (headers, rows) => {
  const cells = [headers, ...rows].map((r) => r.map(String))
  const width = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)))
  const line = (r) => "  " + r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join("  ")
  console.log([line(cells[0]), "  " + width.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n"))
}
const mark = (ok) => (ok ? "✓" : "✗")

/**
 * One GraphQL cycle per N in `targets`, printed as a table; gives the rows. `build: false` when
 * dist/cli.mjs was just built (bench/run.mjs builds it for the REST section).
 */
export const graphqlSection = async ({ targets = [100, 1000], latencyMs = 50, concurrency = 10, batchSize, build = true } = {}) => {
  console.log(`\n== GraphQL: node dist/cli.mjs run --once --api graphql, simulated GitHub at ${latencyMs} ms a request ${"=".repeat(20)}`)
  if (build) {
    const r = spawnSync(process.execPath, ["scripts/build.mjs", "cli"], { cwd: root, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`node scripts/build.mjs cli failed:\n${r.stderr}${r.stdout}`)
  }
  const github = await simulatedGraphQL({ latencyMs })
  const datadog = await fakeDatadog()
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gcm-bench-graphql-"))
  const rows = []
  let rssMethod = ""
  try {
    for (const n of targets) {
      const config = path.join(tmp, `targets-${n}.json`)
      writeFileSync(config, JSON.stringify({ api: "graphql", ...unpaced(n), ...(batchSize ? { graphql_batch_size: batchSize } : {}), ...simConfig(n) }))
      github.reset()
      datadog.reset()
      const r = await spawnTimed(
        process.execPath,
        ["dist/cli.mjs", "run", "--once", "--config", config, "--concurrency", String(concurrency)],
        cleanEnv({ GITHUB_API_URL: github.url, GITHUB_TOKEN: "bench-token", DD_API_URL: datadog.url, DD_API_KEY: "bench-key" })
      )
      rssMethod = r.rssMethod
      const sent = parseSent(r.stderr)
      if (r.code !== 0 || !sent) throw new Error(`the CLI failed at N=${n} (exit ${r.code}):\n${r.stderr.slice(-1500)}`)
      const want = expectedStatuses(n)
      const got = datadog.stats.byStatus
      const correct = [0, 1, 3].every((s) => (got[s] ?? 0) === want[s]) && sent.delivered === n + 1
      const requests = github.stats.requests
      const lowerBound = latencyMs * Math.ceil(requests / concurrency)
      rows.push({
        n,
        mode: "GraphQL (effect CLI)",
        concurrency,
        requests,
        points: github.stats.cost,
        pointsPer1000: (1000 * github.stats.cost) / n,
        maxQueryCost: github.stats.maxCost,
        maxNodes: github.stats.maxNodes,
        cycleMs: sent.cycleMs,
        processMs: r.wall,
        lowerBoundMs: lowerBound,
        ratio: sent.cycleMs / lowerBound,
        serverExecuteMs: github.stats.executeMs,
        peakRssMb: r.peakKb / 1024,
        maxInFlight: github.stats.maxInFlight,
        restRequests: github.stats.other,
        checks: `${got[0] ?? 0}/${got[1] ?? 0}/${got[3] ?? 0}`,
        correct
      })
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
    await github.close()
    await datadog.close()
  }
  console.log(`  queries validated and executed on GitHub's schema; points = GitHub's cost formula per query, summed`)
  console.log(`  pacing lifted: graphql_points_per_minute (default 2,000) set to max(10,000, 4 × N) in these configs, far above the queries sent`)
  console.log(`  lower bound = latency × ceil(requests / concurrency); peak RSS: ${rssMethod}; CLI on Node ${process.version}\n`)
  table(
    ["N", "requests", "points", "pts/1000", "max nodes", "cycle ms", "process ms", "lower bound", "ratio", "fake exec ms", "peak RSS MB", "in flight", "checks 0/1/3"],
    rows.map((r) => [
      r.n, r.requests, r.points, r.pointsPer1000.toFixed(1), r.maxNodes, Math.round(r.cycleMs), Math.round(r.processMs), r.lowerBoundMs,
      `${r.ratio.toFixed(2)}×`, Math.round(r.serverExecuteMs), r.peakRssMb.toFixed(1), r.maxInFlight, `${r.checks} ${mark(r.correct)}`
    ])
  )
  for (const r of rows.filter((r) => r.n === 1000)) {
    console.log(
      `  N=1000: ${r.requests} requests (goal ≤ ${GOALS.requests} ${mark(r.requests <= GOALS.requests)}), ` +
        `cycle ${Math.round(r.cycleMs)} ms (goal ≤ ${GOALS.wallMs} ${mark(r.cycleMs <= GOALS.wallMs)}), ` +
        `${r.points} points (goal ≤ ${GOALS.pointsPer1000} ${mark(r.points <= GOALS.pointsPer1000)}), ` +
        `peak RSS ${r.peakRssMb.toFixed(0)} MB (goal ≤ ${GOALS.rssMb} ${mark(r.peakRssMb <= GOALS.rssMb)})`
    )
  }
  return { latencyMs, rows }
}

// Alone: `node bench/graphql.mjs`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const num = (name, fallback) => Number(process.env[name] || fallback)
  const result = await graphqlSection({
    targets: (process.env.BENCH_TARGETS || "100,1000,5000").split(",").map(Number).filter((n) => n > 0),
    latencyMs: num("BENCH_LATENCY_MS", 50),
    concurrency: num("BENCH_CONCURRENCY", 10),
    batchSize: process.env.BENCH_GRAPHQL_BATCH ? Number(process.env.BENCH_GRAPHQL_BATCH) : undefined
  })
  const failed = result.rows.some((r) => !r.correct)
  process.exit(failed ? 1 : 0)
}
