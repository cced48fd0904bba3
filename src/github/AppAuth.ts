/**
 * Who the GitHub client is: a fixed token (a personal access token, or none), or a GitHub App.
 * An App signs a short JWT (RS256) with its private key and exchanges it for an installation
 * token per installation; tokens are cached until a few minutes before they expire and then
 * refreshed, in a daemon and in a warm Lambda alike. Never logs or prints a key or a token.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { registerTransientSecret, scrub } from "../domain/Scrub.ts"
import { followNoRedirects, parseJson, readBody } from "../http/Policy.ts"
import { Clock, Context, Duration, Effect, Option, Redacted, Schema } from "effect"
import { GitHubError } from "./GitHubError.ts"

/**
 * node:crypto, loaded when first used: only GitHub App users need it, and importing it at the
 * top costs every Lambda cold start ≈ 8 ms. (`process.getBuiltinModule` works on Node, Deno and Bun.)
 */
export const nodeCrypto = (): typeof import("node:crypto") => process.getBuiltinModule("node:crypto")

/** A token and a key that changes whenever the token does (ETags are per token). */
export interface Credential {
  readonly token: Redacted.Redacted<string>
  readonly key: string
  /** Whose rate limit the token spends (an installation's, or the token's own). */
  readonly quota: string
}

export interface TokenProviderShape {
  /** The credential for requests about `owner`'s repositories; none means unauthenticated. */
  readonly credentialFor: (owner: string | undefined) => Effect.Effect<Option.Option<Credential>, GitHubError>
  /** Whether the credential depends on the owner (a GitHub App without `installation_id`). */
  readonly perOwner: boolean
  /** GitHub rejected this credential (401): forget it, so the next request gets a new one. */
  readonly rejected: (credential: Credential) => Effect.Effect<void>
}
export class TokenProvider extends Context.Tag("github-ci-monitor/TokenProvider")<TokenProvider, TokenProviderShape>() {}

/** A personal access token (or none): the same credential for every owner. */
export const staticTokens = (token: Option.Option<Redacted.Redacted<string>>): TokenProviderShape => ({
  credentialFor: () => Effect.succeed(Option.map(token, (t): Credential => ({ token: t, key: "token", quota: "token" }))),
  perOwner: false,
  rejected: () => Effect.void
})

export interface GitHubAppConfig {
  /** The App's id, or its client id (`Iv1.…`); either is the JWT's `iss`. */
  readonly appId: string
  /** The installation to use for every owner; without it, each owner's is looked up. */
  readonly installationId?: number | undefined
  /** PEM (PKCS#1 `BEGIN RSA PRIVATE KEY`, as GitHub hands it out, or PKCS#8). */
  readonly privateKey: Redacted.Redacted<string>
  readonly apiUrl: string
  readonly userAgent: string
}

const base64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url")

/**
 * The App's JWT: issued 60 s in the past (clock drift), valid 9 minutes (GitHub allows at most
 * 10), signed RS256.
 */
export const appJwt = (appId: string, privateKey: Redacted.Redacted<string>, nowSeconds: number): string => {
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))
  const iss = /^\d+$/.test(appId) ? Number(appId) : appId
  const payload = base64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss }))
  const { createPrivateKey, sign } = nodeCrypto()
  const key = createPrivateKey(Redacted.value(privateKey))
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), key)
  return `${header}.${payload}.${base64url(signature)}`
}

const AccessToken = Schema.Struct({ token: Schema.String, expires_at: Schema.String })
const Installation = Schema.Struct({ id: Schema.Number })

/**
 * Refresh a token this long before GitHub says it expires (tokens live an hour); a token that
 * lives less than twice as long is refreshed once half its life is gone.
 */
const REFRESH_MARGIN = Duration.minutes(5)

/** How long "the App is not installed on this owner" is believed before asking again. */
const NOT_INSTALLED_TTL = Duration.minutes(1)

export const makeGitHubApp = (config: GitHubAppConfig) =>
  Effect.gen(function*() {
    // No redirect is followed: the App's JWT goes to the configured API only.
    const http = (yield* HttpClient.HttpClient).pipe(followNoRedirects, HttpClient.withTracerPropagation(false))
    const installations = new Map<string, number>()
    const notInstalled = new Map<string, number>()
    const tokens = new Map<number, { readonly token: Redacted.Redacted<string>; readonly expiresAt: number; readonly refreshAt: number; readonly n: number }>()
    const lock = yield* Effect.makeSemaphore(1)
    let minted = 0

    const call = <A, I>(method: "GET" | "POST", path: string, schema: Schema.Schema<A, I>, what: string) =>
      Effect.gen(function*() {
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const jwt = yield* Effect.try({
          try: () => appJwt(config.appId, config.privateKey, now),
          catch: () =>
            new GitHubError({ reason: "unauthorized", detail: "the GitHub App private key cannot be read (expected a PEM RSA key)" })
        })
        const request = (method === "GET" ? HttpClientRequest.get : HttpClientRequest.post)(`${config.apiUrl}${path}`).pipe(
          HttpClientRequest.setHeaders({
            accept: "application/vnd.github+json",
            "x-github-api-version": "2022-11-28",
            "user-agent": config.userAgent
          }),
          HttpClientRequest.bearerToken(jwt)
        )
        const response = yield* http.execute(request).pipe(
          Effect.mapError(() => new GitHubError({ reason: "transport", detail: `could not reach GitHub to ${what}` })),
          Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new GitHubError({ reason: "timeout", detail: `GitHub did not answer within 10s to ${what}` }) })
        )
        if (response.status >= 300 && response.status < 400) {
          return yield* new GitHubError({
            reason: "unexpected_response",
            status: response.status,
            detail: `GitHub redirected (${response.status}) the request to ${what}: not followed, so the App's credentials stay with ${new URL(config.apiUrl).host}`
          })
        }
        // GitHub's answers here are a few hundred bytes.
        const text = yield* readBody(response, 1024 * 1024).pipe(Effect.orElseSucceed(() => ""))
        const parsed = parseJson(text)
        const body = parsed.ok ? parsed.value : undefined
        if (response.status >= 200 && response.status < 300) {
          return yield* Schema.decodeUnknown(schema)(body).pipe(
            Effect.mapError(() => new GitHubError({ reason: "unexpected_response", detail: `unexpected answer from GitHub to ${what}` }))
          )
        }
        const said = typeof body === "object" && body !== null && "message" in body
          ? `: ${scrub(String(body.message).split(jwt).join("[redacted]")).slice(0, 200)}`
          : ""
        return yield* new GitHubError({
          reason: response.status === 404 ? "not_found" : response.status === 401 ? "unauthorized" : response.status >= 500 ? "server_error" : "forbidden",
          status: response.status,
          detail: `GitHub answered ${response.status} to ${what}${said}`
        })
      })

    const notInstalledOn = (owner: string) =>
      Effect.fail(new GitHubError({ reason: "not_found", status: 404, detail: `the GitHub App is not installed on ${owner}` }))

    /** The installation for `owner`: the configured one, else the organization's, else the user's. */
    const installationOf = (owner: string | undefined) =>
      Effect.gen(function*() {
        if (config.installationId !== undefined) return config.installationId
        if (owner === undefined) {
          return yield* new GitHubError({ reason: "unauthorized", detail: "set github_app.installation_id: no owner to find the installation by" })
        }
        const known = installations.get(owner.toLowerCase())
        if (known !== undefined) return known
        const now = yield* Clock.currentTimeMillis
        const missing = notInstalled.get(owner.toLowerCase())
        if (missing !== undefined && missing > now) return yield* notInstalledOn(owner)
        const e = encodeURIComponent(owner)
        const found = yield* call("GET", `/orgs/${e}/installation`, Installation, `find the App's installation on ${owner}`).pipe(
          Effect.catchIf((err) => err.reason === "not_found", () =>
            call("GET", `/users/${e}/installation`, Installation, `find the App's installation on ${owner}`)),
          Effect.catchIf((err) => err.reason === "not_found", () =>
            Effect.zipRight(
              Effect.sync(() => notInstalled.set(owner.toLowerCase(), now + Duration.toMillis(NOT_INSTALLED_TTL))),
              notInstalledOn(owner)
            ))
        )
        installations.set(owner.toLowerCase(), found.id)
        return found.id
      })

    const tokenOf = (installation: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const cached = tokens.get(installation)
        if (cached && cached.refreshAt > now) return cached
        const issued = yield* call(
          "POST",
          `/app/installations/${installation}/access_tokens`,
          AccessToken,
          `issue an installation token (installation ${installation})`
        )
        const expiresAt = Date.parse(issued.expires_at)
        const life = Number.isNaN(expiresAt) ? 0 : expiresAt - now
        const margin = Math.min(Duration.toMillis(REFRESH_MARGIN), life / 2)
        registerTransientSecret(issued.token)
        const fresh = { token: Redacted.make(issued.token), expiresAt, refreshAt: now + life - margin, n: ++minted }
        tokens.set(installation, fresh)
        yield* Effect.logDebug(`GitHub App: new installation token for installation ${installation}, expires ${issued.expires_at}`)
        return fresh
      })

    /** A looked-up installation that GitHub no longer knows (the App was reinstalled): look again. */
    const tokenFor = (owner: string | undefined) =>
      Effect.gen(function*() {
        const installation = yield* installationOf(owner)
        return [installation, yield* tokenOf(installation)] as const
      })

    return TokenProvider.of({
      perOwner: config.installationId === undefined,
      credentialFor: (owner) =>
        lock.withPermits(1)(
          Effect.gen(function*() {
            const [installation, t] = yield* tokenFor(owner).pipe(
              Effect.catchIf(
                (e) => e.reason === "not_found" && config.installationId === undefined && owner !== undefined && installations.has(owner.toLowerCase()),
                () => Effect.zipRight(Effect.sync(() => installations.delete(owner!.toLowerCase())), tokenFor(owner))
              )
            )
            return Option.some<Credential>({ token: t.token, key: `app:${installation}:${t.n}`, quota: `app:${installation}` })
          })
        ),
      rejected: (credential) =>
        Effect.sync(() => {
          for (const [installation, t] of tokens) {
            if (credential.key === `app:${installation}:${t.n}`) tokens.delete(installation)
          }
        })
    })
  })

/** How the client authenticates, as the settings resolve it. */
export interface GitHubAuth {
  readonly apiUrl: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly app?: {
    readonly appId: string
    readonly installationId?: number | undefined
    /** None until it is known (the Lambda reads it from its secret). */
    readonly privateKey: Option.Option<Redacted.Redacted<string>>
  } | undefined
}

/** The token provider the settings choose: the GitHub App when one is configured, else the token (or none). */
export const makeTokenProvider = (auth: GitHubAuth, userAgent: string): Effect.Effect<TokenProviderShape, never, HttpClient.HttpClient> => {
  const app = auth.app
  if (app === undefined) return Effect.succeed(staticTokens(auth.token))
  return Option.match(app.privateKey, {
    onNone: () =>
      Effect.succeed<TokenProviderShape>({
        perOwner: false,
        rejected: () => Effect.void,
        credentialFor: () =>
          Effect.fail(new GitHubError({ reason: "unauthorized", detail: "the GitHub App has no private key: set GITHUB_APP_PRIVATE_KEY" }))
      }),
    onSome: (privateKey) =>
      makeGitHubApp({ appId: app.appId, installationId: app.installationId, privateKey, apiUrl: auth.apiUrl, userAgent })
  })
}
