/**
 * Attacks on the Lambda (issue 15), the built bundle in a fresh Node process: events with a new
 * `shard` each time keep at most a few runtimes warm (an LRU; the evicted one is built again
 * when needed, so its secret is read again); a `shard` that is not `K/N` — a megabyte of it,
 * control characters, a number — rejects with a short, visible, scrubbed message and builds
 * nothing; a Datadog that echoes the key in its error makes the invocation reject without it;
 * a GitHub that echoes the token in a check name gets it scrubbed from the checks sent.
 */
import { beforeAll, describe, expect, it } from "vitest"
import type { FakeDatadogOptions } from "../support/FakeDatadog.ts"
import type { RefSpec } from "../support/FakeGitHub.ts"
import { startFakeSecretsManager } from "../support/FakeSecretsManager.ts"
import { serversOfThisFile } from "../support/servers.ts"
import { buildLambda, LAMBDA_BUNDLE, lambdaNode } from "../support/lambda.ts"
import { root, runProcess, writeConfig } from "../e2e/support.ts"

const node = lambdaNode
const BUNDLE = LAMBDA_BUNDLE

beforeAll(buildLambda)

const TOKEN = "ghp_LambdaAttackT0kenNeverPrinted0123456789"
const KEY = "lambdaattackddkeyneverprinted0123456789ab"
const SECRET_ID = "github-ci-monitor/attack"
const WARM = 8

const { github, datadog, track } = serversOfThisFile()

/**
 * Calls the bundle's handler once per event (`EVENTS`, JSON; `{ "$repeat": [text, n] }` stands
 * for a long string), printing one JSON line per call: its outcome and how many runtimes are
 * warm after it (`handler.warmRuntimes()`, the test hook).
 */
const INVOKER = `
const { handler } = await import(process.env.BUNDLE)
const expand = (v) => v && typeof v === "object" && Array.isArray(v.$repeat) ? v.$repeat[0].repeat(v.$repeat[1]) : v
const events = JSON.parse(process.env.EVENTS).map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, expand(v)])))
for (const [i, event] of events.entries()) {
  const started = Date.now()
  const context = { awsRequestId: "req-" + i, getRemainingTimeInMillis: () => 30000 - (Date.now() - started) }
  let outcome
  try {
    outcome = { ok: true, result: await handler(event, context) }
  } catch (e) {
    outcome = { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
  console.log(JSON.stringify({ outcome: true, ...outcome, warm: handler.warmRuntimes() }))
}
`

type Outcome = { ok: true; result: { targets: number; delivered: number }; warm: number } | { ok: false; error: string; warm: number }

const green: RefSpec = { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
const TARGETS = ["green", "blue", "teal", "lime", "mint", "echo"]
const repos: Record<string, RefSpec> = {
  ...Object.fromEntries(TARGETS.map((r) => [`acme/${r}@main`, green])),
  "acme/echo@main": { ...green, checkRuns: [{ name: `leak ${TOKEN.toLowerCase()} Bearer ${TOKEN.slice(4)}`, conclusion: "failure" }] }
}
const config = `secret_id: ${SECRET_ID}\nrepos:\n${TARGETS.map((r) => `  - { owner: acme, repo: ${r}, ref: main }\n`).join("")}`

const invoke = async (events: ReadonlyArray<object>, urls: { github: string; datadog: string; secrets: string }) => {
  const script = writeConfig(INVOKER, "invoke.mjs")
  const r = await runProcess(node, [script], {
    cwd: root,
    timeoutMs: 60_000,
    env: {
      BUNDLE,
      EVENTS: JSON.stringify(events),
      CONFIG: config,
      GITHUB_API_URL: urls.github,
      DD_API_URL: urls.datadog,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.secrets,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true"
    }
  })
  for (const [name, text] of [["stdout", r.stdout], ["stderr", r.stderr]] as const) {
    expect(text.toLowerCase(), `the token on ${name}`).not.toContain(TOKEN.slice(4).toLowerCase())
    expect(text.toLowerCase(), `the Datadog key on ${name}`).not.toContain(KEY.toLowerCase())
    expect(text, `a raw U+2028 or control on ${name}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/)
  }
  const lines = r.stdout.split("\n").filter((l) => l.trim() !== "")
  for (const line of lines) expect(() => JSON.parse(line), `a log line that is not JSON: ${line.slice(0, 200)}`).not.toThrow()
  const outcomes = lines.map((l) => JSON.parse(l) as { outcome?: boolean } & Outcome).filter((o) => o.outcome === true)
  expect(outcomes, r.stderr).toHaveLength(events.length)
  return { ...r, outcomes }
}

const fakes = async (datadogFaults?: FakeDatadogOptions["faults"]) => {
  const gh = await github({ token: TOKEN, repos })
  const dd = await datadog({ apiKey: KEY, ...(datadogFaults ? { faults: datadogFaults } : {}) })
  const sm = await track(startFakeSecretsManager({ [SECRET_ID]: JSON.stringify({ github_token: TOKEN, datadog_api_key: KEY }) }))
  return { gh, dd, sm, urls: { github: gh.url, datadog: dd.url, secrets: sm.url } }
}

describe.concurrent("Lambda: the per-shard runtimes are bounded", () => {
  it(`20 invocations with distinct shards keep at most ${WARM} runtimes; an evicted shard is built again`, async () => {
    const { dd, sm, urls } = await fakes()
    const shards = Array.from({ length: 20 }, (_, i) => `${i + 1}/20`)
    // Each shard once; then the most recent again (warm: no new secret read); then the first (evicted: read again).
    const events = [...shards.map((shard) => ({ shard })), { shard: "20/20" }, { shard: " 20 / 20 " }, { shard: "1/20" }]
    const r = await invoke(events, urls)
    expect(r.code, r.stderr).toBe(0)
    expect(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes)).toBe(true)
    expect(r.outcomes.map((o) => o.warm)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, ...Array(12).fill(WARM), WARM, WARM, WARM])
    // The secret is read once per process, whatever the runtimes: the evicted "1/20" was built again from it.
    expect(sm.requests).toHaveLength(1)
    // Every invocation delivered its shard's checks and its self-check: the shards cover each target once.
    const self = dd.checks.filter((c) => !c.tags.some((t) => t.startsWith("repo:")))
    expect(self).toHaveLength(events.length)
    // The echo of the token in a check name was scrubbed before it was sent.
    for (const c of dd.checks) expect((c.message ?? "").toLowerCase()).not.toContain(TOKEN.slice(4).toLowerCase())
  })

  it("a shard that is not K/N rejects, short and visible, and builds no runtime", async () => {
    const { gh, dd, sm, urls } = await fakes()
    const events = [
      { shard: "0/8" },
      { shard: "9/8" },
      { shard: { $repeat: ["7", 1_000_000] } },
      { shard: `1/8\u001b[2J\r\nforged line\u2028 ${TOKEN}` },
      { shard: 3 },
      { shard: "2/8" }
    ]
    const r = await invoke(events, urls)
    const [zero, nine, huge, hostile, number, good] = r.outcomes
    for (const bad of [zero, nine, huge, hostile, number]) {
      expect(bad?.ok).toBe(false)
      const error = bad && !bad.ok ? bad.error : ""
      expect(error).toMatch(/shard/)
      expect(error.length).toBeLessThanOrEqual(1000)
      expect(bad?.warm).toBe(0)
    }
    expect(zero && !zero.ok && zero.error).toMatch(/K\/N/)
    // Quoted as JSON: every control is there to see, none is raw.
    expect(hostile && !hostile.ok && hostile.error).toContain(String.raw`\u001b[2J\r\nforged line\u2028`)
    expect(good?.ok, JSON.stringify(good)).toBe(true)
    expect(good?.warm).toBe(1)
    // Nothing was built for the bad ones: one secret read, one cycle.
    expect(sm.requests).toHaveLength(1)
    expect(dd.checks.filter((c) => !c.tags.some((t) => t.startsWith("repo:")))).toHaveLength(1)
    expect(gh.requests.length).toBeGreaterThan(0)
  })

  it("a Datadog error that echoes the key: the invocation rejects with it scrubbed and cut", async () => {
    const echo = `bad key ${KEY} ${KEY.toUpperCase()} Bearer ${KEY}\u2028 ${"x".repeat(5_000)}`
    const { urls } = await fakes([{ status: 400, body: { errors: [echo] }, times: 10 }])
    const r = await invoke([{ shard: "1/1" }], urls)
    const [outcome] = r.outcomes
    expect(outcome?.ok).toBe(false)
    const error = outcome && !outcome.ok ? outcome.error : ""
    expect(error).toMatch(/not delivered/)
    expect(error.toLowerCase()).not.toContain(KEY.toLowerCase())
    expect(error.length).toBeLessThanOrEqual(1000)
    expect(outcome?.warm, "a runtime whose delivery failed stays warm").toBe(1)
  })
})
