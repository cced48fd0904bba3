/**
 * GitHub App authentication through the real layers (settings → token provider → client →
 * sources → cycle) against the fake GitHub, which verifies the App's JWT and issues installation
 * tokens that expire.
 */
import { describe, expect, it } from "@effect/vitest"
import { verify } from "node:crypto"
import { Effect, Either, Option, Redacted } from "effect"
import { SecretStore } from "../../src/config/SecretsManager.ts"
import { appJwt } from "../../src/github/AppAuth.ts"
import { GitHubClient } from "../../src/github/GitHubClient.ts"
import { runCycle } from "../../src/monitor.ts"
import { cycleLayer, cycleOptions } from "../../src/runtime/Layers.ts"
import { APP_ID, fakeGitHub, green, keyPair, red, settingsFrom, target } from "./support.ts"

const { privateKey, publicKey } = keyPair()

const accessTokenRequests = (gh: { requests: ReadonlyArray<{ method: string; path: string }> }) =>
  gh.requests.filter((r) => r.method === "POST" && /\/app\/installations\/\d+\/access_tokens$/.test(r.path))

describe("the App's JWT", () => {
  it("is RS256, issued 60 s in the past, expires within 10 minutes, and names the App", () => {
    const now = 1_700_000_000
    const jwt = appJwt(String(APP_ID), Redacted.make(privateKey), now)
    const [header, payload] = jwt.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>)
    expect(header).toEqual({ alg: "RS256", typ: "JWT" })
    expect(payload).toEqual({ iat: now - 60, exp: expect.any(Number), iss: APP_ID })
    expect((payload!["exp"] as number) - now).toBeLessThanOrEqual(600)
    const [h, p, sig] = jwt.split(".")
    expect(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(sig!, "base64url"))).toBe(true)
    expect(appJwt("Iv1.abc", Redacted.make(privateKey), now).split(".")[1]).toBe(
      Buffer.from(JSON.stringify({ iat: now - 60, exp: now + 540, iss: "Iv1.abc" })).toString("base64url")
    )
  })
})

describe("a GitHub App with installation_id", () => {
  it.scopedLive("uses one installation token for every request, and a new one once it nears expiry (two cycles, one layer)", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green, "acme/web@main": red },
        app: { id: APP_ID, publicKey, installations: { acme: { id: 7 } }, tokenTtlSeconds: 3 }
      })
      const settings = yield* settingsFrom(
        { repos: [target("acme/api@main"), target("acme/web@main")], github_app: { app_id: APP_ID, installation_id: 7 } },
        { GITHUB_APP_PRIVATE_KEY: privateKey },
        { githubApiUrl: gh.url }
      )
      expect(Option.isNone(settings.github.token)).toBe(true)
      const { first, second } = yield* Effect.gen(function*() {
        const first = yield* runCycle(settings.targets, cycleOptions(settings))
        // The token lives 3 s and is refreshed half-way: after 2 s the next cycle needs a new one.
        yield* Effect.sleep("2 seconds")
        const second = yield* runCycle(settings.targets, cycleOptions(settings))
        return { first, second }
      }).pipe(Effect.provide(cycleLayer(settings, { _tag: "Stdout", why: "dry-run" }, "json")))
      expect(first.results.map((r) => r.check.status)).toEqual([0, 1])
      expect(second.results.map((r) => r.check.status)).toEqual([0, 1])
      expect(gh.jwtRejections).toEqual([])
      expect(accessTokenRequests(gh)).toHaveLength(2)
      expect(gh.issuedTokens.map((t) => t.installation)).toEqual([7, 7])
      // Every REST request carried the token that was live when it was sent; none was refused.
      const rest = gh.requests.filter((r) => r.path.startsWith("/repos/"))
      expect(rest).toHaveLength(12)
      const [one, two] = gh.issuedTokens
      expect(new Set(rest.slice(0, 6).map((r) => r.headers["authorization"]))).toEqual(new Set([`Bearer ${one!.token}`]))
      expect(new Set(rest.slice(6).map((r) => r.headers["authorization"]))).toEqual(new Set([`Bearer ${two!.token}`]))
      // ETags are per token: the new token's requests are not conditional on the old token's answers.
      for (const r of rest.slice(6)) expect(r.headers["if-none-match"]).toBeUndefined()
      // Nothing says a key, a JWT or a token.
      const text = JSON.stringify([first, second])
      for (const secret of [...gh.issuedTokens.map((t) => t.token), ...gh.jwts]) expect(text).not.toContain(secret)
    }))

  it.scopedLive("a token still valid is reused across cycles, with conditional requests", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        app: { id: APP_ID, publicKey, installations: { acme: { id: 7 } } }
      })
      const settings = yield* settingsFrom(
        { repos: [target("acme/api@main")], github_app: { app_id: String(APP_ID), installation_id: 7 } },
        { GITHUB_APP_PRIVATE_KEY: privateKey },
        { githubApiUrl: gh.url }
      )
      const stats = yield* Effect.gen(function*() {
        yield* runCycle(settings.targets, cycleOptions(settings))
        yield* runCycle(settings.targets, cycleOptions(settings))
        return yield* (yield* GitHubClient).stats
      }).pipe(Effect.provide(cycleLayer(settings, { _tag: "Stdout", why: "dry-run" }, "json")))
      expect(accessTokenRequests(gh)).toHaveLength(1)
      expect(stats).toMatchObject({ requests: 6, notModified: 3 })
    }))

  it.scopedLive("a token GitHub rejects (401) is replaced on the next cycle", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green },
        app: { id: APP_ID, publicKey, installations: { acme: { id: 7 } } }
      })
      const settings = yield* settingsFrom(
        { repos: [target("acme/api@main")], github_app: { app_id: APP_ID, installation_id: 7 } },
        { GITHUB_APP_PRIVATE_KEY: privateKey },
        { githubApiUrl: gh.url }
      )
      const { first, revoked, third } = yield* Effect.gen(function*() {
        const first = yield* runCycle(settings.targets, cycleOptions(settings))
        gh.issuedTokens[0]!.expiresAt = 0 // revoked before GitHub's expires_at
        const revoked = yield* runCycle(settings.targets, cycleOptions(settings))
        const third = yield* runCycle(settings.targets, cycleOptions(settings))
        return { first, revoked, third }
      }).pipe(Effect.provide(cycleLayer(settings, { _tag: "Stdout", why: "dry-run" }, "json")))
      expect(first.results[0]!.check.status).toBe(0)
      expect(revoked.results[0]!.check.status).toBe(3)
      expect(revoked.results[0]!.check.message).toContain("401")
      expect(third.results[0]!.check.status).toBe(0)
      expect(accessTokenRequests(gh)).toHaveLength(2)
    }))
})

describe("a GitHub App without installation_id", () => {
  it.scopedLive("finds each owner's installation (organization, then user); an owner without it is status 3 alone", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green, "octo/dotfiles@main": red, "stranger/repo@main": green },
        app: { id: APP_ID, publicKey, installations: { acme: { id: 7 }, octo: { id: 8, type: "User" } } }
      })
      const settings = yield* settingsFrom(
        {
          repos: [target("acme/api@main"), target("octo/dotfiles@main"), target("stranger/repo@main")],
          github_app: { app_id: APP_ID }
        },
        { GITHUB_APP_PRIVATE_KEY: privateKey },
        { githubApiUrl: gh.url }
      )
      const result = yield* runCycle(settings.targets, cycleOptions(settings)).pipe(
        Effect.provide(cycleLayer(settings, { _tag: "Stdout", why: "dry-run" }, "json"))
      )
      expect(result.results.map((r) => r.check.status)).toEqual([0, 1, 3])
      expect(result.results[2]!.check.message).toContain("the GitHub App is not installed on stranger")
      expect(result.results[0]!.check.message).not.toContain("not installed")
      const lookups = gh.requests.filter((r) => r.path.endsWith("/installation")).map((r) => r.path)
      expect(lookups).toEqual([
        "/orgs/acme/installation",
        "/orgs/octo/installation",
        "/users/octo/installation",
        "/orgs/stranger/installation",
        "/users/stranger/installation"
      ])
      // One token per installation, each used only for its owner's repositories.
      expect(gh.issuedTokens.map((t) => t.installation).sort()).toEqual([7, 8])
      const tokenOf = new Map(gh.issuedTokens.map((t) => [`Bearer ${t.token}`, t.installation]))
      for (const r of gh.requests.filter((r) => r.path.startsWith("/repos/"))) {
        expect(tokenOf.get(r.headers["authorization"] ?? ""), r.path).toBe(r.path.startsWith("/repos/acme/") ? 7 : 8)
      }
      expect(gh.requests.some((r) => r.path.startsWith("/repos/stranger/"))).toBe(false)
    }))

  it.scopedLive("over GraphQL, each query reads one owner's repositories with that owner's token", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: { "acme/api@main": green, "acme/web@main": red, "octo/dotfiles@main": green, "stranger/x@main": green },
        app: { id: APP_ID, publicKey, installations: { acme: { id: 7 }, octo: { id: 8, type: "User" } } }
      })
      const settings = yield* settingsFrom(
        {
          repos: [target("acme/api@main"), target("octo/dotfiles@main"), target("acme/web@main"), target("stranger/x@main")],
          github_app: { app_id: APP_ID },
          api: "graphql"
        },
        { GITHUB_APP_PRIVATE_KEY: privateKey },
        { githubApiUrl: gh.url }
      )
      const result = yield* runCycle(settings.targets, cycleOptions(settings)).pipe(
        Effect.provide(cycleLayer(settings, { _tag: "Stdout", why: "dry-run" }, "json"))
      )
      expect(result.results.map((r) => r.check.status)).toEqual([0, 0, 1, 3])
      expect(result.results[3]!.check.message).toContain("the GitHub App is not installed on stranger")
      expect(gh.graphql).toHaveLength(2)
      for (const q of gh.graphql) {
        const owners = new Set(Object.entries(q.variables).filter(([k]) => /^o\d+$/.test(k)).map(([, v]) => v))
        expect(owners.size).toBe(1)
      }
    }))
})

describe("the private key", () => {
  it.scoped("comes from GITHUB_APP_PRIVATE_KEY_PATH or github_app.private_key_path; a missing or bad key is a config error that shows no key", () =>
    Effect.gen(function*() {
      const { mkdtempSync, writeFileSync } = yield* Effect.promise(() => import("node:fs"))
      const { tmpdir } = yield* Effect.promise(() => import("node:os"))
      const dir = mkdtempSync(`${tmpdir()}/gcm-app-`)
      writeFileSync(`${dir}/app.pem`, privateKey)
      writeFileSync(`${dir}/bad.pem`, "not a key at all")
      const config = (extra: object = {}) => ({ repos: [target("acme/api@main")], github_app: { app_id: APP_ID, ...extra } })
      const viaEnvPath = yield* settingsFrom(config(), { GITHUB_APP_PRIVATE_KEY_PATH: `${dir}/app.pem` })
      expect(Option.map(viaEnvPath.github.app!.privateKey, Redacted.value)).toEqual(Option.some(privateKey.trim()))
      const viaFile = yield* settingsFrom(config({ private_key_path: `${dir}/app.pem` }), {})
      expect(Option.isSome(viaFile.github.app!.privateKey)).toBe(true)
      // One line with `\n` written out, as some secret stores keep it.
      const oneLine = yield* settingsFrom(config(), { GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, "\\n") })
      expect(Option.map(oneLine.github.app!.privateKey, Redacted.value)).toEqual(Option.some(privateKey.trim()))
      const problems = (e: Effect.Effect<unknown, { problems: ReadonlyArray<string> } | unknown>) =>
        Effect.either(e).pipe(Effect.map((r) => Either.isLeft(r) ? (r.left as { problems: ReadonlyArray<string> }).problems : []))
      expect(yield* problems(settingsFrom(config(), {}))).toEqual([
        "github_app: no private key: put it in GITHUB_APP_PRIVATE_KEY (the PEM text), a file named by github_app.private_key_path or GITHUB_APP_PRIVATE_KEY_PATH, or github_app_private_key in the secret_id secret"
      ])
      expect(yield* problems(settingsFrom(config({ private_key_path: `${dir}/missing.pem` }), {}))).toEqual([
        `github_app.private_key_path: ${dir}/missing.pem: file not found`
      ])
      const bad = yield* problems(settingsFrom(config(), { GITHUB_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----" }))
      expect(bad).toEqual(["github_app: the private key from GITHUB_APP_PRIVATE_KEY is not a PEM RSA private key (as GitHub issues it)"])
      expect(JSON.stringify(bad)).not.toContain("nope")
      // With secret_id, the key comes from the secret (the CLI reads it as the Lambda does).
      const secret = JSON.stringify({ github_app_private_key: privateKey, datadog_api_key: "dd-key-from-the-secret-0123" })
      const lambda = yield* settingsFrom({ ...config(), secret_id: "creds" }, {}).pipe(
        Effect.provideService(SecretStore, { secretString: () => Effect.succeed(secret) })
      )
      expect(Option.map(lambda.github.app!.privateKey, Redacted.value)).toEqual(Option.some(privateKey.trim()))
      expect(lambda.github.app!.privateKeySource).toBe('secret "creds" (github_app_private_key)')
    }))
})
