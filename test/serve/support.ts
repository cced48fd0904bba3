/**
 * Helpers for the serve tests: boards made from real verdicts (the domain's own rules), the
 * Prometheus project's parsers (Python prometheus_client, Debian's python3-prometheus-client),
 * and a cctray parser.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { XMLParser, XMLValidator } from "fast-xml-parser"
import { checkMessage, checkStatus, targetLevel } from "../../src/domain/Status.ts"
import type { Target } from "../../src/domain/Target.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"
import type { SourceVerdict } from "../../src/domain/Verdict.ts"
import type { CycleResult } from "../../src/monitor.ts"
import type { BoardState } from "../../src/serve/Board.ts"
import { emptyBoard, recordCycle } from "../../src/serve/Board.ts"
import { noRequests } from "../../src/serve/GitHubTraffic.ts"
import { root, startCli, startProcess, waitFor } from "../e2e/support.ts"
import type { CliResult, Running } from "../e2e/support.ts"
import type { RequestCounts } from "../../src/serve/GitHubTraffic.ts"

export const target = (key: string, tags: ReadonlyArray<string> = []): Target => {
  const at = key.indexOf("@")
  const [owner = "", repo = ""] = key.slice(0, at).split("/")
  return {
    owner,
    repo,
    ref: key.slice(at + 1),
    sources: { status: true, check_runs: true, check_suites: true },
    failOn: defaultFailOn,
    tags
  }
}

/** A finished cycle over these targets and verdicts, with the checks the real cycle would build. */
export const cycleResult = (entries: ReadonlyArray<readonly [Target, ReadonlyArray<SourceVerdict>]>, durationMillis = 250): CycleResult => {
  const results = entries.map(([t, verdicts]) => {
    const level = targetLevel(verdicts)
    return {
      target: t,
      verdicts,
      level,
      check: {
        check: "ci.ok",
        host_name: "github-ci-monitor",
        status: checkStatus(level, 1),
        tags: [`owner:${t.owner}`, `repo:${t.repo}`, `ref:${t.ref}`, ...t.tags],
        message: checkMessage(t, verdicts),
        timestamp: 1_700_000_000
      }
    }
  })
  const count = (l: string) => results.filter((r) => r.level === l).length
  return {
    results,
    selfCheck: { check: "github_ci_monitor.up", host_name: "github-ci-monitor", status: 0, tags: [], message: "", timestamp: 1_700_000_000 },
    delivery: { destination: "test", delivered: results.length + 1, failures: [] },
    counts: { ok: count("ok"), failing: count("failing"), unknown: count("unknown") },
    durationMillis
  }
}

export const boardAfter = (
  entries: ReadonlyArray<readonly [Target, ReadonlyArray<SourceVerdict>]>,
  options: { finishedAt?: number; intervalMillis?: number; requests?: RequestCounts; rateLimitRemaining?: number } = {}
): BoardState =>
  recordCycle(emptyBoard(entries.map(([t]) => t), options.intervalMillis ?? 60_000, 1_700_000_000_000), {
    result: cycleResult(entries),
    finishedAt: options.finishedAt ?? 1_700_000_060_000,
    rateLimitRemaining: options.rateLimitRemaining,
    requests: options.requests ?? noRequests
  })

export interface ParsedFamily {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: ReadonlyArray<{ readonly name: string; readonly labels: Record<string, string>; readonly value: number }>
}

const script = fileURLToPath(new URL("./parse_exposition.py", import.meta.url))
/** Debian's python3 (where python3-prometheus-client installs), not a pyenv one earlier on PATH. */
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"

/**
 * Parses with prometheus_client: its Prometheus text parser, or its strict OpenMetrics parser
 * (which checks `# EOF`, counter naming, escapes, family order). Throws with the parser's error.
 */
export const parseExposition = (text: string, format: "prometheus" | "openmetrics"): ReadonlyArray<ParsedFamily> => {
  try {
    return JSON.parse(execFileSync(python, [script, format], { input: text, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] })) as ReadonlyArray<ParsedFamily>
  } catch (e) {
    const stderr = typeof e === "object" && e !== null && "stderr" in e ? String(e.stderr) : String(e)
    if (stderr.includes("No module named")) {
      throw new Error(`the Prometheus parser is missing: apt-get install python3-prometheus-client (${stderr.trim()})`)
    }
    throw new Error(`${format} parser rejected the exposition: ${stderr.trim()}\n---\n${text}`)
  }
}

export const family = (families: ReadonlyArray<ParsedFamily>, name: string): ParsedFamily => {
  const found = families.find((f) => f.name === name)
  if (!found) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(", ")}`)
  return found
}

export type CctrayProject = Record<"name" | "activity" | "lastBuildStatus" | "lastBuildLabel" | "lastBuildTime" | "webUrl", string>

/** Validates the XML and gives the Projects' attributes. */
export const parseCctray = (xml: string): ReadonlyArray<CctrayProject> => {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}\n${xml}`)
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    isArray: (name) => name === "Project"
  }).parse(xml) as { Projects?: { Project?: ReadonlyArray<CctrayProject> } | "" }
  if (doc.Projects === undefined) throw new Error(`no <Projects> root:\n${xml}`)
  return doc.Projects === "" ? [] : doc.Projects.Project ?? []
}

const bun = join(root, "node_modules", ".bin", "bun")

export interface Served extends Running {
  readonly url: string
  /** SIGTERM, then how it ended. */
  readonly stop: () => Promise<CliResult>
}

/**
 * Starts the real CLI's `serve` on a free port of 127.0.0.1 and gives its URL once it listens.
 * The process goes on `processes`, for the test file to kill what is left at its end.
 */
export const startServe = async (
  processes: Array<Running>,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  runtime: "node" | "bun" = "node"
): Promise<Served> => {
  const all = ["serve", "--host", "127.0.0.1", "--port", "0", ...args]
  const proc = runtime === "node"
    ? startCli(all, { env, timeoutMs: 300_000 })
    : startProcess(bun, ["entrypoints/cli.ts", ...all], { env, cwd: root, timeoutMs: 300_000 })
  processes.push(proc)
  const listening = /serving .* on http:\/\/127\.0\.0\.1:(\d+)/
  await waitFor("serve to listen", () => listening.test(proc.stderr()) || proc.child.exitCode !== null, 30_000)
  const port = listening.exec(proc.stderr())?.[1]
  if (port === undefined) throw new Error(`serve did not start:\n${proc.stderr()}`)
  return {
    ...proc,
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      proc.child.kill("SIGTERM")
      return proc.result
    }
  }
}

export const scrape = async (url: string, init: RequestInit = {}) => {
  const response = await fetch(url, init)
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Polls until `/healthz` says 200. */
export const untilHealthy = async (served: Served, timeoutMs = 20_000) => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const r = await scrape(`${served.url}/healthz`)
    if (r.status === 200) return r
    if (Date.now() > until) throw new Error(`not healthy after ${timeoutMs} ms: ${r.status} ${r.text}\n${served.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
