/**
 * Shared by the fault-injection tests: the real CLI with its secrets checked on every run, the
 * fake servers closed after each file, the checks Datadog received by target, and a proxy in
 * front of the fake GitHub that delays answers or cuts a connection in the middle of a body.
 */
import type http from "node:http"
import { afterAll, expect } from "vitest"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeDatadog, FakeDatadogOptions, ServiceCheck } from "../support/FakeDatadog.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import type { FakeGitHub, FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { listen } from "../support/http.ts"
import type { Listening } from "../support/http.ts"
import { runCli, writeConfig } from "../e2e/support.ts"
import type { CliOptions, CliResult } from "../e2e/support.ts"

export const TOKEN = "ghp_FaultT0kenNeverPrinted0123456789abc"
export const KEY = "faultddkey0123456789abcdefneverprinted"
const SECRETS = [TOKEN, KEY]

/** Runs the CLI, timing it, and checks that no secret reaches stdout or stderr. */
export const cli = async (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult & { readonly ms: number }> => {
  const started = Date.now()
  const result = await runCli(args, options)
  const ms = Date.now() - started
  for (const secret of SECRETS) {
    expect(result.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(result.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
  return { ...result, ms }
}

/**
 * How long the cycle took by the tool's own account (`sent N of M checks … in X ms (cycle
 * 850 ms | 31.4 s)`, tenths of a second cut, not rounded): startup of the process is not in it,
 * so it can be bounded tightly even on a busy machine.
 */
export const cycleMs = (stderr: string): number => {
  const m = /\(cycle (\d+) ms\)|\(cycle (\d+(?:\.\d)?) s\)/.exec(stderr)
  if (m === null) throw new Error(`no cycle duration in stderr:\n${stderr}`)
  return m[1] !== undefined ? Number(m[1]) : Math.round(Number(m[2]) * 1000)
}

/** The servers a test file started, closed when it ends. */
export const useServers = () => {
  const servers: Array<{ close(): Promise<void> }> = []
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  return {
    github: async (options: FakeGitHubOptions): Promise<FakeGitHub> => {
      const gh = await startFakeGitHub({ token: TOKEN, ...options })
      servers.push(gh)
      return gh
    },
    datadog: async (options: FakeDatadogOptions = {}): Promise<FakeDatadog> => {
      const dd = await startFakeDatadog({ apiKey: KEY, ...options })
      servers.push(dd)
      return dd
    },
    keep: <S extends { close(): Promise<void> }>(server: S): S => {
      servers.push(server)
      return server
    }
  }
}

/** The environment of a run that reads GitHub at `githubUrl` and sends to Datadog at `datadogUrl`. */
export const env = (githubUrl: string, datadogUrl: string): Record<string, string> => ({
  GITHUB_TOKEN: TOKEN,
  GITHUB_API_URL: githubUrl,
  DD_API_KEY: KEY,
  DD_API_URL: datadogUrl
})

export interface RepoEntry {
  readonly owner: string
  readonly repo: string
  readonly ref: string
  readonly [k: string]: unknown
}

/** `"acme/api@main"` → a configuration entry. */
export const repo = (key: string, extra: object = {}): RepoEntry => {
  const at = key.indexOf("@")
  const [owner = "", name = ""] = key.slice(0, at).split("/")
  return { owner, repo: name, ref: key.slice(at + 1), ...extra }
}
export const keyOf = (r: RepoEntry): string => `${r.owner}/${r.repo}@${r.ref}`

/** Configuration as JSON (which is YAML) in a temporary file. */
export const config = (value: object): string => writeConfig(JSON.stringify(value, null, 2))

export const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success", target_url: "https://jenkins.example/job/1" }],
  checkRuns: [{ name: "build" }, { name: "test" }],
  checkSuites: [{ app_name: "GitHub Actions" }]
}
export const red: RefSpec = {
  ...green,
  checkRuns: [{ name: "build" }, { name: "test", conclusion: "failure", html_url: "https://github.com/acme/red/runs/7" }]
}

const tag = (c: ServiceCheck, name: string) => c.tags.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1)
export const targetOf = (c: ServiceCheck): string | undefined =>
  tag(c, "repo") === undefined ? undefined : `${tag(c, "owner")}/${tag(c, "repo")}@${tag(c, "ref")}`

/**
 * The checks Datadog received, by target; fails unless every target has exactly one and there
 * is exactly one self-check.
 */
export const delivered = (checks: ReadonlyArray<ServiceCheck>, targets: ReadonlyArray<RepoEntry>) => {
  const map = new Map<string, ServiceCheck>()
  for (const c of checks) {
    const key = targetOf(c)
    if (key === undefined) continue
    expect(map.has(key), `more than one check for ${key}`).toBe(false)
    map.set(key, c)
  }
  expect([...map.keys()].sort(), "one check per target").toEqual(targets.map(keyOf).sort())
  const self = checks.filter((c) => targetOf(c) === undefined)
  expect(self.map((c) => c.check), "one self-check").toEqual(["github_ci_monitor.up"])
  const at = (key: string): ServiceCheck => {
    const c = map.get(key)
    if (c === undefined) throw new Error(`no check for ${key}`)
    return c
  }
  return { at, statuses: Object.fromEntries([...map].map(([k, c]) => [k, c.status])), self: self[0] }
}

/** `HH:MM:SS` of a time, as the messages print it (UTC). */
export const clockOf = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

/** The seconds between two `HH:MM:SS` clock times, across midnight either way. */
export const clockDistance = (a: string, b: string): number => {
  const secs = (s: string) => {
    const [h = 0, m = 0, x = 0] = s.split(":").map(Number)
    return h * 3600 + m * 60 + x
  }
  const d = Math.abs(secs(a) - secs(b))
  return Math.min(d, 86_400 - d)
}

/** What the proxy does with one answer. */
export interface Treatment {
  /** Hold the answer this long before sending it. */
  readonly delayMs?: number
  /** Send the headers and half the body, then drop the connection. */
  readonly cut?: boolean
}

export interface Proxy extends Listening {
  /** Requests seen, by path. */
  readonly seen: Array<string>
}

/**
 * An HTTP proxy in front of `upstream` (the fake GitHub) that forwards every request as it is
 * and treats each answer as `plan(path, nth)` says (`nth` counts the requests for that path,
 * from 1).
 */
export const startProxy = async (upstream: string, plan: (path: string, nth: number) => Treatment): Promise<Proxy> => {
  const seen: Array<string> = []
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname
    seen.push(path)
    const nth = seen.filter((p) => p === path).length
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (name !== "host" && name !== "connection" && typeof value === "string") headers.set(name, value)
    }
    const answer = await fetch(`${upstream}${req.url ?? "/"}`, { headers })
    const body = Buffer.from(await answer.arrayBuffer())
    const treatment = plan(path, nth)
    if (treatment.delayMs) await new Promise((resolve) => setTimeout(resolve, treatment.delayMs))
    const out: Record<string, string> = {}
    answer.headers.forEach((value, name) => {
      if (!["content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"].includes(name)) out[name] = value
    })
    res.writeHead(answer.status, { ...out, "content-length": String(body.length) })
    if (treatment.cut && body.length > 1) {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy())
      return
    }
    res.end(body)
  }
  const server = await listen((req, res) => void handle(req, res).catch(() => res.destroy()))
  return { ...server, seen }
}

/** A server that accepts every request and never answers (until closed). */
export const startBlackHole = (): Promise<Listening> => listen(() => undefined)
