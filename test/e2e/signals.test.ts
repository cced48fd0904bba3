/**
 * Truthful signals (issue 16), as a user sees them from the real CLI: a configuration that can
 * only produce status 3 is refused; the secret_id secret is read outside the Lambda too;
 * `--log-level` works before or after the command and debug logs every request; the summary
 * lines count what was sent, answered and failed and tell delivery time from cycle time; a
 * terminal shows progress; `--once` with a cadence is a usage error; `validate` says where each
 * secret comes from and what a cycle costs GitHub.
 */
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { FakeDatadog, ServiceCheck } from "../support/FakeDatadog.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { startFakeSecretsManager } from "../support/FakeSecretsManager.ts"
import { serversOfThisFile } from "../support/servers.ts"
import { startBlackHole, startProxy } from "../faults/support.ts"
import { root, runCli, runProcess, startCli, waitFor, writeConfig } from "./support.ts"
import type { CliOptions, CliResult } from "./support.ts"

const TOKEN = "ghp_SignalsT0kenNeverPrinted0123456789ab"
const KEY = "signalsddkeyneverprinted0123456789abcd"
const SECRET_TOKEN = "ghp_SecretT0kenFromAwsNeverPrinted012345"
const SECRET_KEY = "secretddkeyfromawsneverprinted0123456789"
const AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIGNALSNEVER"
const SECRETS = [TOKEN, KEY, SECRET_TOKEN, SECRET_KEY, AWS_SECRET_ACCESS_KEY]
const SECRET_ID = "gcm/signals"

const { github, datadog, track } = serversOfThisFile()

/** The real CLI; no secret ever reaches stdout or stderr. */
const cli = async (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> => {
  const result = await runCli(args, options)
  expectNoSecrets(result)
  return result
}
const expectNoSecrets = (r: { stdout: string; stderr: string }) => {
  for (const secret of SECRETS) {
    expect(r.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(r.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
}

const green: RefSpec = {
  statuses: [{ context: "ci/jenkins", state: "success" }],
  checkRuns: [{ name: "build" }],
  checkSuites: [{ app_name: "GitHub Actions" }]
}
const repos = { "acme/api@main": green, "acme/web@main": green }
const targets = [{ owner: "acme", repo: "api", ref: "main" }, { owner: "acme", repo: "web", ref: "main" }]
const config = (extra: object = {}) => writeConfig(JSON.stringify({ repos: targets, ...extra }))

/** AWS as the SDK finds it: the fake Secrets Manager, static keys, no instance metadata. */
const awsEnv = (smUrl: string): Record<string, string> => ({
  AWS_ENDPOINT_URL_SECRETS_MANAGER: smUrl,
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY,
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true"
})
const secretsManager = (secrets: Record<string, string>) => track(startFakeSecretsManager(secrets))

const bearerOnly = (gh: FakeGitHub, token: string) => {
  expect(gh.requests.length).toBeGreaterThan(0)
  for (const r of gh.requests) expect(r.headers["authorization"]).toBe(`Bearer ${token}`)
}
const keyOnly = (dd: FakeDatadog, key: string) => {
  expect(dd.requests.length).toBeGreaterThan(0)
  for (const r of dd.requests) expect(r.headers["dd-api-key"]).toBe(key)
}
const selfCheck = (checks: ReadonlyArray<ServiceCheck>) => checks.find((c) => !c.tags.some((t) => t.startsWith("repo:")))

// ---------------------------------------------------------------------------------------------

describe.concurrent("api: graphql without a token is a configuration error (exit 2), before any request", () => {
  it.each([
    { name: "validate, api: graphql in the file", args: ["validate"], file: { api: "graphql" } },
    { name: "run --once, api: graphql in the file", args: ["run", "--once"], file: { api: "graphql" } },
    { name: "run --once --api graphql", args: ["run", "--once", "--api", "graphql"], file: {} },
    { name: "validate --api graphql", args: ["validate", "--api", "graphql"], file: {} }
  ])("$name", async ({ args, file }) => {
    const gh = await github({ repos })
    const dd = await datadog({ apiKey: KEY })
    const r = await cli([...args, "--config", config(file)], { env: { GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url } })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/graphql: GitHub's GraphQL API needs a token, and there is none: set GITHUB_TOKEN \(or GITHUB_ACCESS_TOKEN\), configure a GitHub App \(github_app\), or use api: rest/)
    expect(r.stdout).toBe("")
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  it("serve too", async () => {
    const gh = await github({ repos })
    const r = await cli(["serve", "--host", "127.0.0.1", "--port", "0", "--config", config({ api: "graphql" })], {
      env: { GITHUB_API_URL: gh.url }
    })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/GitHub's GraphQL API needs a token/)
    expect(gh.requests).toHaveLength(0)
  })

  it("with a token it is fine: run --once --api graphql exits 0", async () => {
    const gh = await github({ token: TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const r = await cli(["run", "--once", "--api", "graphql", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expect(dd.checks.map((c) => c.status)).toEqual([0, 0, 0])
  })
})

// ---------------------------------------------------------------------------------------------

describe.concurrent("secret_id outside the Lambda: the CLI reads the secret as the Lambda does", () => {
  const secretJson = (fields: Record<string, string> = { github_token: SECRET_TOKEN, datadog_api_key: SECRET_KEY }) => JSON.stringify(fields)

  it("run --once: the secret's token goes to GitHub and its key to Datadog; asked once, with the file's version and region", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const dd = await datadog({ apiKey: SECRET_KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const file = config({ secret_id: SECRET_ID, version_id: "v-7", region: "eu-west-1" })
    const r = await cli(["run", "--once", "--config", file], { env: { ...awsEnv(sm.url), GITHUB_API_URL: gh.url, DD_API_URL: dd.url } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/sent 3 of 3 checks to Datadog/)
    expect(r.stderr).not.toMatch(/no Datadog API key/)
    expect(sm.requests).toHaveLength(1)
    expect(sm.requests[0]).toMatchObject({ secretId: SECRET_ID, versionId: "v-7" })
    expect(sm.requests[0]?.authorization).toContain("/eu-west-1/secretsmanager/aws4_request")
    bearerOnly(gh, SECRET_TOKEN)
    keyOnly(dd, SECRET_KEY)
  })

  it("the secret's values win over GITHUB_TOKEN and DD_API_KEY (as in the Lambda); validate says so, naming never a value", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const dd = await datadog({ apiKey: SECRET_KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const file = config({ secret_id: SECRET_ID })
    const env = { ...awsEnv(sm.url), GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    const run = await cli(["run", "--once", "--config", file], { env })
    expect(run.code, run.stderr).toBe(0)
    bearerOnly(gh, SECRET_TOKEN)
    keyOnly(dd, SECRET_KEY)
    const validate = await cli(["validate", "--config", file], { env })
    expect(validate.code, validate.stderr).toBe(0)
    expect(validate.stdout).toContain(`secrets:       secret "${SECRET_ID}", read from AWS Secrets Manager; its values win over the environment's`)
    expect(validate.stdout).toContain(`GitHub:        ${gh.url} (token from secret "${SECRET_ID}" (github_token))`)
    expect(validate.stdout).toContain(`Datadog:       ${dd.url} (API key from secret "${SECRET_ID}" (datadog_api_key))`)
    expect(validate.stdout).toContain("not used:      GITHUB_TOKEN, DD_API_KEY (set, but the secret's value wins)")
  })

  it("what the secret lacks, the environment gives; validate -o json names each source", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson({ github_token: SECRET_TOKEN }) })
    const file = config({ secret_id: SECRET_ID, region: "eu-west-1" })
    const env = { ...awsEnv(sm.url), DD_API_KEY: KEY, GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    const run = await cli(["run", "--once", "--config", file], { env })
    expect(run.code, run.stderr).toBe(0)
    bearerOnly(gh, SECRET_TOKEN)
    keyOnly(dd, KEY)
    const validate = await cli(["validate", "-o", "json", "--config", file], { env })
    expect(validate.code, validate.stderr).toBe(0)
    expect(JSON.parse(validate.stdout)).toMatchObject({
      secret: { id: SECRET_ID, region: "eu-west-1", version_id: null },
      github: { token: true, token_source: `secret "${SECRET_ID}" (github_token)` },
      datadog: { api_key: true, api_key_source: "DD_API_KEY" },
      unused_environment: []
    })
  })

  it.each([
    { name: "validate", args: ["validate"] },
    { name: "run --once", args: ["run", "--once"] }
  ])("a secret that cannot be read: $name exits 2 naming the secret id and why, asks GitHub nothing", async ({ args }) => {
    const gh = await github({ repos })
    const dd = await datadog({ apiKey: KEY })
    const sm = await secretsManager({})
    const r = await cli([...args, "--config", config({ secret_id: "gcm/typo" })], {
      env: { ...awsEnv(sm.url), GITHUB_API_URL: gh.url, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`cannot read secret "gcm/typo" from AWS Secrets Manager`)
    expect(r.stderr).toMatch(/ResourceNotFoundException|can't find the specified secret/)
    expect(sm.requests.map((q) => q.secretId)).toEqual(["gcm/typo"])
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  it("a secret without datadog_api_key, and no DD_API_KEY: exit 2 naming what is missing, not a silent 'nothing was sent'", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const sm = await secretsManager({ [SECRET_ID]: secretJson({ github_token: SECRET_TOKEN }) })
    const r = await cli(["run", "--once", "--config", config({ secret_id: SECRET_ID })], { env: { ...awsEnv(sm.url), GITHUB_API_URL: gh.url } })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`secret "${SECRET_ID}"`)
    expect(r.stderr).toMatch(/the secret has no datadog_api_key/)
    expect(gh.requests).toHaveLength(0)
  })

  it("the daemon reads the secret once for the process, however many cycles", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const dd = await datadog({ apiKey: SECRET_KEY })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const daemon = startCli(["run", "--interval", "1s", "--config", config({ secret_id: SECRET_ID })], {
      env: { ...awsEnv(sm.url), GITHUB_API_URL: gh.url, DD_API_URL: dd.url },
      timeoutMs: 30_000
    })
    await waitFor("three cycles delivered", () => dd.checks.filter((c) => selfCheck([c]) !== undefined).length >= 3, 25_000)
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectNoSecrets(r)
    expect(r.code, r.stderr).toBe(0)
    expect(sm.requests).toHaveLength(1)
    bearerOnly(gh, SECRET_TOKEN)
  })

  it("serve reads it too: its cycles ask GitHub with the secret's token", async () => {
    const gh = await github({ token: SECRET_TOKEN, repos })
    const sm = await secretsManager({ [SECRET_ID]: secretJson() })
    const served = startCli(["serve", "--host", "127.0.0.1", "--port", "0", "--config", config({ secret_id: SECRET_ID })], {
      env: { ...awsEnv(sm.url), GITHUB_API_URL: gh.url },
      timeoutMs: 30_000
    })
    await waitFor("serve's first cycle to ask GitHub", () => gh.requests.length >= 6 || served.child.exitCode !== null, 25_000)
    served.child.kill("SIGTERM")
    const r = await served.result
    expectNoSecrets(r)
    expect(sm.requests).toHaveLength(1)
    bearerOnly(gh, SECRET_TOKEN)
  })
})

// ---------------------------------------------------------------------------------------------

describe.concurrent("--log-level and log_level: debug logs one line per GitHub request and per Datadog batch", () => {
  const debugRun = async (args: ReadonlyArray<string>, file = config()) => {
    const gh = await github({ token: TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const r = await cli(args.map((a) => (a === "FILE" ? file : a)), {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    return r
  }
  const debugLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("github-ci-monitor: debug: "))

  it.each([
    { where: "before the command", args: ["--log-level", "debug", "run", "--once", "--config", "FILE"] },
    { where: "after the command", args: ["run", "--once", "--config", "FILE", "--log-level", "debug"] },
    { where: "as --log-level=debug between options", args: ["run", "--log-level=debug", "--once", "--config", "FILE"] }
  ])("--log-level debug $where", async ({ args }) => {
    const r = await debugRun(args)
    const lines = debugLines(r.stderr)
    // 2 targets × 3 sources, each request once: method, path, status, time, the quota left.
    const github = lines.filter((l) => l.includes("debug: GitHub GET "))
    expect(github).toHaveLength(6)
    for (const path of ["status", "check-runs", "check-suites"]) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^github-ci-monitor: debug: GitHub GET /repos/acme/api/commits/main/${path}: 200 in \\d+ ms, rate limit remaining \\d+$`)))
    }
    // Never a query string (per_page here; anything there), never a header.
    for (const l of lines) {
      expect(l).not.toContain("?")
      expect(l).not.toMatch(/per_page|authorization|bearer/i)
    }
    expect(lines).toContainEqual(expect.stringMatching(/^github-ci-monitor: debug: Datadog POST \/api\/v1\/check_run: 3 checks, 202 in \d+ ms$/))
  })

  it("log_level: debug in the file works; --log-level info wins over it", async () => {
    const file = config({ log_level: "debug" })
    const fromFile = await debugRun(["run", "--once", "--config", "FILE"], file)
    expect(debugLines(fromFile.stderr).length).toBeGreaterThanOrEqual(7)
    const flagWins = await debugRun(["run", "--once", "--config", "FILE", "--log-level", "info"], file)
    expect(debugLines(flagWins.stderr)).toEqual([])
  })

  it("a level that is not one is a usage error (exit 2)", async () => {
    const r = await cli(["run", "--once", "--log-level", "loud", "--config", config()])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--log-level: "loud" is not a level; one of all, trace, debug, info/)
  })

  it("the daemon's second cycle logs its answers as 304 from the ETag cache", async () => {
    const gh = await github({ token: TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const daemon = startCli(["--log-level", "debug", "run", "--interval", "1s", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url },
      timeoutMs: 30_000
    })
    await waitFor("two cycles delivered", () => dd.checks.filter((c) => selfCheck([c]) !== undefined).length >= 2, 25_000)
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectNoSecrets(r)
    expect(r.stderr).toMatch(/debug: GitHub GET \/repos\/acme\/web\/commits\/main\/status: 304 \(304 Not Modified: from the ETag cache\) in \d+ ms, rate limit remaining \d+/)
    expect(r.stderr).toMatch(/GitHub: 6 requests sent, 6 answered \(6 of them 304 Not Modified\), rate limit remaining \d+/)
  })
})

// ---------------------------------------------------------------------------------------------

describe.concurrent("the summary lines: requests sent, answered, failed; delivery time apart from the cycle's", () => {
  it("a slow GitHub: the cycle takes its time, the delivery says its own", async () => {
    const gh = await github({ token: TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const slow = track(startProxy(gh.url, () => ({ delayMs: 1200 })))
    const r = await cli(["run", "--once", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: (await slow).url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    const m = /^github-ci-monitor: sent 3 of 3 checks to Datadog \(.*\) in (\d+) ms \(cycle (\d+(?:\.\d)?) s\): 2 OK, 0 failing, 0 unknown$/m.exec(r.stderr)
    expect(m, r.stderr).not.toBeNull()
    const [delivery, cycle] = [Number(m?.[1]), Number(m?.[2]) * 1000]
    expect(cycle).toBeGreaterThanOrEqual(1200)
    expect(delivery).toBeLessThan(cycle)
    expect(r.stderr).toMatch(/^github-ci-monitor: GitHub: 6 requests sent, 6 answered, rate limit remaining \d+$/m)
  })

  it("GitHub unreachable: requests sent and failed, none answered, and why", async () => {
    const dd = await datadog({ apiKey: KEY })
    const dead = await track(startProxy("http://127.0.0.1:1", () => ({})))
    await dead.close()
    const r = await cli(["run", "--once", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: dead.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    // 6 requests, each tried 3 times (two quick retries of a transient failure).
    expect(r.stderr).toMatch(/^github-ci-monitor: GitHub: 18 requests sent, 0 answered, 18 failed \(could not connect\)$/m)
    expect(r.stderr).not.toMatch(/GitHub: 0 requests/)
    expect(r.stderr).toMatch(/sent 3 of 3 checks to Datadog .*: 0 OK, 0 failing, 2 unknown/)
  })
})

describe.concurrent("the summary lines when GitHub never answers", () => {
  it("--deadline 2s against a GitHub that accepts and never answers: every request sent, none answered, cut off", async () => {
    const dd = await datadog({ apiKey: KEY })
    const hole = await track(startBlackHole())
    const r = await cli(["run", "--once", "--deadline", "2s", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: hole.url, DD_API_KEY: KEY, DD_API_URL: dd.url },
      timeoutMs: 15_000
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^github-ci-monitor: GitHub: 6 requests sent, 0 answered, 6 failed \(cancelled\)$/m)
    expect(r.stderr).toMatch(/sent 3 of 3 checks to Datadog .* \(cycle \d+\.\d s\): 0 OK, 0 failing, 2 unknown/)
  })
})

// ---------------------------------------------------------------------------------------------

const script = (() => {
  try {
    return execFileSync("which", ["script"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
})()
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const CLEAR = "\r\u001b[2K"

describe.skipIf(script === undefined).concurrent("a terminal sees progress while a cycle runs (util-linux `script` gives the CLI a pseudo-terminal)", () => {
  /** The CLI under a pseudo-terminal: stdout and stderr both go to it, and come back here. */
  const onTerminal = async (extra: ReadonlyArray<string>) => {
    const gh = await github({ token: TOKEN, repos })
    const slow = await track(startProxy(gh.url, () => ({ delayMs: 1600 })))
    const command = [process.execPath, join(root, "bin", "github-ci-monitor.mjs"), "run", "--once", "--config", config(), ...extra].map(quote).join(" ")
    const started = Date.now()
    const r = await runProcess(script!, ["-qfec", command, "/dev/null"], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: slow.url },
      timeoutMs: 30_000
    })
    expectNoSecrets(r)
    return { ...r, seconds: (Date.now() - started) / 1000 }
  }

  it("redrawn in place at most once a second, then cleared before the summary", async () => {
    const r = await onTerminal([])
    expect(r.code, r.stdout).toBe(0)
    const draws = r.stdout.split(CLEAR).filter((part) => part.startsWith("github-ci-monitor: ") && /targets answered/.test(part))
    expect(draws.length, r.stdout).toBeGreaterThanOrEqual(1)
    expect(draws.length).toBeLessThanOrEqual(Math.ceil(r.seconds) + 1)
    expect(draws[0]).toMatch(/^github-ci-monitor: \d of 2 targets answered, \d+ GitHub requests?, \d+(\.\d)? s|\d+ ms/)
    // The line is cleared, and the summary starts on a clean line.
    expect(r.stdout).toMatch(/\r\u001b\[2Kgithub-ci-monitor: no Datadog API key/)
  })

  it("--quiet: no progress line", async () => {
    const r = await onTerminal(["--quiet"])
    expect(r.code, r.stdout).toBe(0)
    expect(r.stdout).not.toContain("targets answered")
    expect(r.stdout).not.toContain("\u001b[2K")
    expect(r.stdout).toContain("github-ci-monitor: no Datadog API key")
  })
})

describe.concurrent("no progress line when stderr is not a terminal", () => {
  it("a pipe (a CI log, a file) gets only the summary", async () => {
    const gh = await github({ token: TOKEN, repos })
    const slow = await track(startProxy(gh.url, () => ({ delayMs: 1600 })))
    const r = await cli(["run", "--once", "--config", config()], { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: slow.url } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain("targets answered")
    expect(r.stderr).not.toContain("\u001b[")
  })
})

// ---------------------------------------------------------------------------------------------

describe.concurrent("--once and a cadence; validate's help", () => {
  it.each([
    { args: ["--interval", "5m"], given: "--interval" },
    { args: ["--schedule", "*/5 * * * *"], given: "--schedule" }
  ])("run --once $args is a usage error (exit 2), before any request", async ({ args, given }) => {
    const gh = await github({ token: TOKEN, repos })
    const r = await cli(["run", "--once", ...args, "--config", config()], { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`github-ci-monitor: --once runs one cycle and exits: ${given} is for the daemon (run without --once), not both`)
    expect(gh.requests).toHaveLength(0)
  })

  it("validate --help does not speak of --once; its --interval and --schedule are for the budget", async () => {
    const r = await cli(["validate", "--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain("--once")
    expect(r.stdout).toContain("For the GitHub budget: time between cycles")
    expect(r.stdout).toContain("For the GitHub budget: a cron expression in UTC")
    const run = await cli(["run", "--help"])
    expect(run.stdout).toContain("--quiet")
    expect(run.stdout).toContain("--log-level")
  })
})

// ---------------------------------------------------------------------------------------------

describe.concurrent("validate prints the GitHub budget and says plainly when it cannot fit", () => {
  const many = (n: number, extra: object = {}) =>
    writeConfig(JSON.stringify({ repos: Array.from({ length: n }, (_, i) => ({ owner: "fleet", repo: `svc-${i}`, ref: "main" })), ...extra }))
  const env = { GITHUB_TOKEN: TOKEN }

  it("a small configuration fits", async () => {
    const r = await cli(["validate", "--config", config()], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("GitHub budget: REST, every 5m: 6 requests a cycle × 12 an hour = 72/h of 5,000/h; secondary limit 900 a minute — fits")
    expect(r.stderr).toBe("")
  })

  it("1,000 targets over REST every 5 minutes do not fit: the arithmetic, and what would (exit 0: an estimate)", async () => {
    const r = await cli(["validate", "--config", many(1000)], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("— does NOT fit:")
    const says = "REST: 3,000 requests a cycle × 12 cycles an hour = 36,000/h > 5,000/h; api: graphql needs 20 points a cycle (240/h)"
    expect(r.stdout).toContain(says)
    expect(r.stdout).toMatch(/a cycle every 36 min at least, or 8 shards with a token each/)
    expect(r.stderr).toContain(`github-ci-monitor: warning: the GitHub budget does not fit: ${says}`)
  })

  it("-o json carries the budget", async () => {
    const r = await cli(["validate", "-o", "json", "--interval", "10m", "--config", many(1000)], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).budget).toMatchObject({
      api: "rest",
      unit: "requests",
      cadence: "every 10m",
      per_cycle: 3000,
      cycles_per_hour: 6,
      per_hour: 18000,
      hourly_limit: 5000,
      per_minute_limit: 900,
      fits: false,
      other_api: { api: "graphql", unit: "points", per_cycle: 20, per_hour: 120 }
    })
  })

  it("--schedule counts the busiest hour; GraphQL counts points per query and fits", async () => {
    const r = await cli(["validate", "--api", "graphql", "--schedule", "* * * * *", "--config", many(1000)], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(
      "GitHub budget: GraphQL, on the cron schedule \"* * * * *\" (UTC): 20 points a cycle × 60 an hour = 1,200/h of 5,000/h; secondary limit 2,000 a minute — fits"
    )
  })

  it("the secondary limit: 3,000 requests at 900 a minute take 3 minutes, longer than a 2-minute interval", async () => {
    const r = await cli(["validate", "--interval", "2m", "--config", many(1000)], { env })
    expect(r.stdout).toContain(
      "REST: 3,000 requests a cycle at GitHub's secondary limit of 900 a minute take at least 3 min, longer than the 2 min between cycles: cycles would run late"
    )
  })

  it("no token: 60 requests an hour, and saying how to get more", async () => {
    const r = await cli(["validate", "--config", many(10)])
    expect(r.stdout).toContain("REST: 30 requests a cycle × 12 cycles an hour = 360/h > 60/h; set GITHUB_TOKEN (5,000 requests an hour instead of 60)")
  })
})
