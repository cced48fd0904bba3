/**
 * The GitHub REST client: base URL, auth, API version, a per-request timeout, a bound on
 * requests in flight, pagination over `Link`, typed errors, and every body decoded by a Schema.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Clock, Context, Duration, Effect, FiberRef, identity, Layer, Option, ParseResult, Redacted, Ref, Schedule, Schema } from "effect"
import type { Credential, GitHubAuth } from "./AppAuth.ts"
import { makeTokenProvider, staticTokens, TokenProvider } from "./AppAuth.ts"
import { GitHubError } from "./GitHubError.ts"
import type { Pacer } from "./Pacer.ts"
import { makePacer } from "./Pacer.ts"
import { scrub } from "../domain/Scrub.ts"
import { DEFAULT_MAX_RESPONSE_BYTES, followNoRedirects, formatBytes, maxResponseBytes, parseJson, readBody, redirectLocation, transportCause } from "../http/Policy.ts"

export interface GitHubConfigShape {
  /** REST base URL, without a trailing slash: `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  readonly apiUrl: string
  /** The token when no TokenProvider is in context (a GitHub App provides its own). */
  readonly token: Option.Option<Redacted.Redacted<string>>
  /** Requests in flight at once, across every source. */
  readonly concurrency: number
  readonly requestTimeout: Duration.DurationInput
  readonly userAgent: string
  /** Responses kept with their ETag for conditional requests (default 10,000). */
  readonly cacheEntries?: number | undefined
  /** GitHub's secondary limit per credential: REST points (a GET is 1) in any 60 s (default 900). */
  readonly restPointsPerMinute?: number | undefined
  /** The same for GraphQL (a query is 1 point; default 2,000). */
  readonly graphqlPointsPerMinute?: number | undefined
  /** The most bytes of one answer read; a larger one is dropped as it streams (default 8 MB). */
  readonly maxResponseBytes?: number | undefined
}
export class GitHubConfig extends Context.Tag("github-ci-monitor/GitHubConfig")<GitHubConfig, GitHubConfigShape>() {}

export const API_VERSION = "2022-11-28"

/** The most pages followed for one listing (100 items each); more is a loop or a runaway. */
const MAX_PAGES = 50

/** `<url>; rel="next", <url>; rel="last"` → the `next` URL. */
export const nextLink = (link: string | undefined): string | undefined => {
  if (!link) return undefined
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim())
    if (m && m[2]?.split(/\s+/).includes("next")) return m[1]
  }
  return undefined
}

const errorMessage = (body: unknown): string | undefined =>
  typeof body === "object" && body !== null && "message" in body && typeof body.message === "string"
    ? body.message
    : undefined

const clock = (d: Date) => d.toISOString().slice(11, 19)

/** Why a request got no answer, in a few words, for the cycle's summary (`3 failed (could not connect)`). */
export const transportKind = (cause: string): string =>
  /ECONNRESET|EPIPE|socket hang up|other side closed|terminated|broke/i.test(cause)
    ? "connection dropped"
    : /ETIMEDOUT|timed? ?out/i.test(cause)
    ? "timed out"
    : /certificate|CERT_|SSL|TLS/i.test(cause)
    ? "TLS failed"
    : "could not connect"

/** A reset time from a header, only when it is a real date (a bogus header must not crash). */
const validDate = (ms: number): Date | undefined => {
  const d = new Date(ms)
  return Number.isFinite(ms) && !Number.isNaN(d.getTime()) ? d : undefined
}

/** Maps a non-2xx answer to the typed error that says what to do about it. */
const classify = (
  response: HttpClientResponse.HttpClientResponse,
  body: unknown,
  now: number,
  scrub: (text: string) => string
): GitHubError => {
  const status = response.status
  const message = errorMessage(body)
  const said = message === undefined ? undefined : scrub(message).slice(0, 200)
  const quoted = said ? `: ${said}` : ""
  const remaining = response.headers["x-ratelimit-remaining"]
  const retryAfter = Number(response.headers["retry-after"])
  const reset = Number(response.headers["x-ratelimit-reset"])
  // GitHub's secondary limit: a 403/429 with `retry-after`, or saying so, with quota left.
  const secondary = (status === 403 || status === 429) && remaining !== "0" &&
    (!Number.isNaN(retryAfter) || /secondary rate limit|abuse detection/i.test(message ?? ""))
  if ((status === 403 || status === 429) && (remaining === "0" || secondary)) {
    const resetAt = !Number.isNaN(retryAfter)
      ? validDate(now + retryAfter * 1000)
      : !secondary && !Number.isNaN(reset) && reset > 0
      ? validDate(reset * 1000)
      // Without `retry-after`, GitHub asks to wait at least a minute.
      : secondary
      ? validDate(now + 60_000)
      : undefined
    const what = secondary ? "secondary rate limit" : "rate limited"
    return new GitHubError({
      reason: "rate_limited",
      status,
      resetAt,
      secondary,
      detail: resetAt ? `rate limited until ${clock(resetAt)} UTC${secondary ? " (GitHub's secondary limit)" : ""}` : `${what} (${status}${quoted})`
    })
  }
  switch (status) {
    case 401:
      return new GitHubError({ reason: "unauthorized", status, detail: `GitHub rejected the token (401${quoted})` })
    case 403:
      return new GitHubError({
        reason: "forbidden",
        status,
        detail: `forbidden (403${quoted}): the token needs read access to checks and commit statuses`
      })
    case 404:
      return new GitHubError({
        reason: "not_found",
        status,
        detail: "not found (404): the repository does not exist or the token cannot see it"
      })
    case 422:
      return new GitHubError({ reason: "not_found", status, detail: `ref not found (422${quoted})` })
  }
  if (status >= 500) {
    return new GitHubError({ reason: "server_error", status, detail: `GitHub server error (${status}${quoted})` })
  }
  return new GitHubError({ reason: "unexpected_response", status, detail: `unexpected answer ${status}${quoted}` })
}

/** The redirects GitHub answers a renamed or transferred repository with. */
const REDIRECTS = new Set([301, 302, 307, 308])
const MAX_REDIRECTS = 5

/**
 * Where a redirect may be followed (within the API's `origin`, for at most `MAX_REDIRECTS`
 * hops), or why it is not, naming where it points by origin and path (a query could carry
 * anything); undefined when the answer is no redirect.
 */
const redirectOf = (
  response: HttpClientResponse.HttpClientResponse,
  origin: string,
  hops: number
): { readonly next: string } | { readonly refused: string } | undefined => {
  const location = response.headers["location"]
  if (!REDIRECTS.has(response.status) || location === undefined) return undefined
  const target = redirectLocation(location, response.request.url)
  if (target === undefined) return { refused: `GitHub redirected (${response.status}) to an invalid URL` }
  const where = target.shown
  if (target.url.origin !== origin) {
    return { refused: `GitHub redirected (${response.status}) to ${where}, off the API's host: not followed, so the token is not sent there` }
  }
  if (hops >= MAX_REDIRECTS) {
    return { refused: `GitHub redirected (${response.status}) to ${where} after ${MAX_REDIRECTS} redirects already: not followed` }
  }
  return { next: target.url.href }
}

/** A message of the decoder, never throwing and never quoting a whole value back. */
export const describeParseError = (error: ParseResult.ParseError): string => {
  try {
    return ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 2)
      .map((i) => `${i.path.join(".").slice(0, 100) || "body"} ${i.message.slice(0, 150)}`).join("; ")
  } catch {
    return "the body does not have the expected shape"
  }
}

const decodeFailure = (path: string, error: ParseResult.ParseError) =>
  new GitHubError({ reason: "unexpected_response", detail: `unexpected response body from ${path}: ${describeParseError(error)}` })

export interface Page<A> {
  readonly body: A
  readonly next: string | undefined
}

/** What the client did, for the cycle's summary and the benchmark. */
export interface GitHubStats {
  /** Requests sent (a 304 counts: it is sent, it just costs no rate limit). */
  readonly requests: number
  /** Requests GitHub answered, whatever the status (a 304, a 404 and a 500 are answers). */
  readonly answered?: number | undefined
  /** Requests sent that got no answer: the connection failed, broke, or timed out. */
  readonly failed?: number | undefined
  /** The failed requests by why, in a few words: `could not connect`, `timed out`, `connection dropped`. */
  readonly failures?: Readonly<Record<string, number>> | undefined
  /** Answered 304 Not Modified from the ETag cache. */
  readonly notModified: number
  /** The last `x-ratelimit-remaining` GitHub reported, if any. */
  readonly rateLimitRemaining: number | undefined
  /** GraphQL queries sent (also counted in `requests`). */
  readonly graphqlQueries?: number | undefined
  /** GraphQL rate-limit points spent, as GitHub reported them (`rateLimit { cost }`). */
  readonly graphqlCost?: number | undefined
  /** The GraphQL points left, as GitHub last reported them (`rateLimit { remaining }`). */
  readonly graphqlRemaining?: number | undefined
  /** Time requests waited for their turn under the secondary limit (ms, summed). */
  readonly pacedMillis?: number | undefined
}

/** One entry of a GraphQL answer's `errors`: `path` names the field that failed (its alias first). */
export interface GraphQLError {
  readonly message: string
  readonly type?: string | undefined
  readonly path?: ReadonlyArray<string | number> | undefined
}

/** A GraphQL answer that has data: the data decoded, and the errors of the fields that failed. */
export interface GraphQLAnswer<A> {
  readonly data: A
  readonly errors: ReadonlyArray<GraphQLError>
}

/**
 * The GraphQL endpoint beside a REST base URL: `https://api.github.com/graphql`, or
 * `https://HOST/api/graphql` for GitHub Enterprise Server (`https://HOST/api/v3`).
 */
export const graphqlUrlOf = (apiUrl: string): string =>
  /\/api\/v3\/?$/.test(apiUrl) ? apiUrl.replace(/\/v3\/?$/, "/graphql") : `${apiUrl.replace(/\/+$/, "")}/graphql`

/** GraphQL's envelope, built when first used: with `api: rest` it never is (a cold start's cost, `npm run bench`). */
const makeGraphQLSchemas = () => {
  const GraphQLErrors = Schema.Array(Schema.Struct({
    message: Schema.String,
    type: Schema.optionalWith(Schema.String, { exact: true }),
    path: Schema.optionalWith(Schema.Array(Schema.Union(Schema.String, Schema.Number)), { exact: true })
  }))
  const GraphQLBody = Schema.Struct({
    data: Schema.optionalWith(Schema.NullOr(Schema.Unknown), { exact: true }),
    errors: Schema.optionalWith(GraphQLErrors, { exact: true })
  })
  const RateLimitInfo = Schema.Struct({ cost: Schema.Number, remaining: Schema.Number, resetAt: Schema.String })
  return { GraphQLBody, RateLimitInfo }
}
let graphqlSchemasBuilt: ReturnType<typeof makeGraphQLSchemas> | undefined
const graphqlSchemas = () => (graphqlSchemasBuilt ??= makeGraphQLSchemas())

/** An answer with errors and no data at all: the whole query failed, for every target in it. */
const graphqlFailure = (errors: ReadonlyArray<GraphQLError>, resetAt: Date | undefined): GitHubError => {
  const said = errors.map((e) => e.message).filter((m) => m !== "").slice(0, 2).join("; ") || "no data and no error message"
  const types = errors.map((e) => e.type)
  if (types.includes("RATE_LIMITED")) {
    return new GitHubError({
      reason: "rate_limited",
      resetAt,
      detail: resetAt ? `GraphQL rate limited until ${clock(resetAt)} UTC` : `GraphQL rate limited (${said})`
    })
  }
  // GitHub answers a query that ran out of time with "Something went wrong … timeout": worth a retry.
  if (errors.some((e) => /timeout|timed out|something went wrong/i.test(e.message))) {
    return new GitHubError({ reason: "server_error", detail: `GitHub GraphQL could not answer the query (${said})` })
  }
  return new GitHubError({ reason: "unexpected_response", detail: `GitHub GraphQL rejected the query: ${said}` })
}

/**
 * When the current cycle must be done (epoch ms); set by the cycle around the sources. A rate
 * limit is waited out only if the wait ends before it.
 */
export const cycleDeadline = FiberRef.unsafeMake<number | undefined>(undefined)

/** GitHub's documented secondary limits (points a minute, per credential). */
export const DEFAULT_REST_POINTS_PER_MINUTE = 900
export const DEFAULT_GRAPHQL_POINTS_PER_MINUTE = 2_000

/** Below this many requests left, requests are spaced out until the reset. */
const LOW_QUOTA = 50
/** The longest pause before one request when the quota is low. */
const MAX_PACE = 2_000

/** Without a deadline, the longest wait for a rate limit to reset before giving up for this cycle. */
const MAX_RATE_LIMIT_WAIT = 60_000

/** An answer kept for revalidation: decoded already, so a 304 costs neither parsing nor memory. */
interface Cached {
  readonly etag: string
  readonly body: unknown
  readonly link: string | undefined
}

/**
 * The owner a REST path is about (`/repos/{owner}/…`, `/orgs/{org}/…`, `/users/{user}/…`),
 * which picks a GitHub App's installation.
 */
export const ownerOfPath = (path: string): string | undefined => {
  const m = /^\/(?:repos|orgs|users)\/([^/?#]+)/.exec(path)
  if (!m?.[1]) return undefined
  try {
    return decodeURIComponent(m[1])
  } catch {
    return m[1]
  }
}

/** A bounded map that forgets the least recently used entry first. */
const lru = <V>(max: number) => {
  const map = new Map<string, V>()
  return {
    get: (k: string) => {
      const v = map.get(k)
      if (v !== undefined) {
        map.delete(k)
        map.set(k, v)
      }
      return v
    },
    set: (k: string, v: V) => {
      map.delete(k)
      map.set(k, v)
      if (map.size > max) map.delete(map.keys().next().value as string)
    },
    get size() {
      return map.size
    }
  }
}

const make = Effect.gen(function*() {
  const config = yield* GitHubConfig
  const semaphore = yield* Effect.makeSemaphore(Math.max(1, config.concurrency))
  const origin = new URL(config.apiUrl).origin
  const host = new URL(config.apiUrl).host
  const basePath = new URL(config.apiUrl).pathname.replace(/\/+$/, "")
  const timeout = Duration.decode(config.requestTimeout)
  // ETags are per token: the cache is keyed by the credential's key, which changes with the token.
  const etags = lru<Cached>(config.cacheEntries ?? 10_000)
  const tokens: TokenProvider["Type"] = Option.getOrElse(yield* Effect.serviceOption(TokenProvider), () => staticTokens(config.token))
  const stats = yield* Ref.make<GitHubStats>({
    requests: 0,
    answered: 0,
    failed: 0,
    failures: {},
    notModified: 0,
    rateLimitRemaining: undefined,
    graphqlQueries: 0,
    graphqlCost: 0,
    graphqlRemaining: undefined
  })
  /**
   * GitHub's primary rate limit as last reported, per quota (a token's, or a GitHub App
   * installation's): at zero, ask nothing with that quota until it resets.
   */
  const limits = new Map<string, Ref.Ref<{ remaining: number; resetAt: number } | undefined>>()
  const limitOf = (credential: Option.Option<Credential>) => {
    const quota = Option.match(credential, { onNone: () => "anonymous", onSome: (c) => c.quota })
    let ref = limits.get(quota)
    if (ref === undefined) {
      ref = Ref.unsafeMake<{ remaining: number; resetAt: number } | undefined>(undefined)
      limits.set(quota, ref)
    }
    return ref
  }
  /** Secondary-limit pacers, per credential's quota and API. */
  const pacers = new Map<string, Pacer>()
  const pacerOf = (api: "rest" | "graphql", credential: Option.Option<Credential>) =>
    Effect.suspend(() => {
      const key = `${api} ${Option.match(credential, { onNone: () => "anonymous", onSome: (c) => c.quota })}`
      const known = pacers.get(key)
      if (known !== undefined) return Effect.succeed(known)
      const perMinute = api === "rest"
        ? config.restPointsPerMinute ?? DEFAULT_REST_POINTS_PER_MINUTE
        : config.graphqlPointsPerMinute ?? DEFAULT_GRAPHQL_POINTS_PER_MINUTE
      return Effect.tap(makePacer(perMinute), (p) => Effect.sync(() => pacers.set(key, p)))
    })
  /** Waits for the request's turn within the per-minute budget, or fails when it would come after the deadline. */
  const paced = (api: "rest" | "graphql", credential: Option.Option<Credential>) =>
    Effect.gen(function*() {
      const pacer = yield* pacerOf(api, credential)
      const by = yield* FiberRef.get(cycleDeadline)
      const waited = yield* pacer.take(by).pipe(
        Effect.catchAll(({ waitMillis }) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.fail(
              new GitHubError({
                reason: "rate_limited",
                resetAt: new Date(now + waitMillis),
                detail: `not asked: GitHub's secondary limit of ${pacer.perMinute} ${api === "rest" ? "REST" : "GraphQL"} points a minute ` +
                  `leaves no turn before the cycle's deadline (next in ${Math.ceil(waitMillis / 1000)} s)`
              })
            ))
        )
      )
      if (waited > 0) yield* Ref.update(stats, (s) => ({ ...s, pacedMillis: (s.pacedMillis ?? 0) + waited }))
      return pacer
    })

  /** GraphQL has its own budget of points, apart from the REST requests. */
  const graphqlLimit = yield* Ref.make<{ remaining: number; resetAt: number } | undefined>(undefined)
  const client = (yield* HttpClient.HttpClient).pipe(
    HttpClient.mapRequest((request) => {
      const withHeaders = request.pipe(
        HttpClientRequest.setHeaders({
          accept: "application/vnd.github+json",
          "x-github-api-version": API_VERSION,
          "user-agent": config.userAgent
        })
      )
      return withHeaders
    }),
    // Redirects are followed below, within the API's host, alike on every runtime and transport.
    followNoRedirects,
    // A transport that reads ahead (the Lambda's) stops at the same limit as `bodyOf`.
    HttpClient.transformResponse(Effect.locally(maxResponseBytes, config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)),
    HttpClient.withTracerPropagation(false)
  )

  /**
   * Sends a GET, following GitHub's redirects (a renamed or transferred repository answers 301
   * with its new `/repositories/{id}/…` URL) within the API's origin only: the token is never
   * sent to another host. `fetch` follows redirects itself; node:http (the Lambda's) does not.
   * The last answer comes with why it was not followed, when it is a redirect.
   */
  const executeFollowing = (
    request: HttpClientRequest.HttpClientRequest,
    hops = 0
  ): Effect.Effect<{ readonly response: HttpClientResponse.HttpClientResponse; readonly refused: string | undefined }, HttpClientError.HttpClientError> =>
    Effect.flatMap(client.execute(request), (response) => {
      const redirect = redirectOf(response, origin, hops)
      return redirect !== undefined && "next" in redirect
        ? executeFollowing(HttpClientRequest.setUrl(request, redirect.next), hops + 1)
        : Effect.succeed({ response, refused: redirect?.refused })
    })

  /** The request with the credential's token, if any. */
  const authorized = (request: HttpClientRequest.HttpClientRequest, credential: Option.Option<Credential>) =>
    Option.match(credential, {
      onNone: () => request,
      onSome: (c) => HttpClientRequest.bearerToken(request, c.token)
    })

  const noteRateLimit = (response: HttpClientResponse.HttpClientResponse, bucket: typeof graphqlLimit) => {
    const remaining = Number(response.headers["x-ratelimit-remaining"])
    const reset = Number(response.headers["x-ratelimit-reset"])
    if (Number.isNaN(remaining)) return Effect.void
    return Effect.zipRight(
      Ref.update(stats, (s) => ({ ...s, rateLimitRemaining: remaining })),
      Ref.set(bucket, validDate(reset * 1000) === undefined ? undefined : { remaining, resetAt: reset * 1000 })
    )
  }

  /** Fails at once, sending nothing, while GitHub has said the quota is spent. */
  const quotaOf = (bucket: typeof graphqlLimit) => Effect.gen(function*() {
    const known = yield* Ref.get(bucket)
    const now = yield* Clock.currentTimeMillis
    if (known && known.remaining <= 0 && known.resetAt > now) {
      const resetAt = new Date(known.resetAt)
      return yield* new GitHubError({ reason: "rate_limited", resetAt, detail: `rate limited until ${clock(resetAt)} UTC` })
    }
    // Near the end of the quota, slow down: spread what is left over the time to the reset (at
    // most a few seconds a request, holding the request's permit), rather than spend it at once.
    if (known && known.remaining < LOW_QUOTA && known.resetAt > now) {
      yield* Effect.sleep(Duration.millis(Math.min(MAX_PACE, (known.resetAt - now) / known.remaining)))
    }
  })

  /** Server text goes into check messages: never let it carry a token (configured or in use) back out. */
  const scrubber = (credential: Option.Option<Credential>) => (text: string): string =>
    scrub([...Option.toArray(config.token), ...Option.toArray(Option.map(credential, (c) => c.token))].reduce(
      (acc, t) => (Redacted.value(t) === "" ? acc : acc.split(Redacted.value(t)).join("[redacted]")),
      text
    ))

  /** A 401 with a credential that may rotate: let the provider drop it, so the next request gets a new one. */
  const noteRejected = (credential: Option.Option<Credential>, status: number) =>
    status === 401 && Option.isSome(credential) ? tokens.rejected(credential.value) : Effect.void

  const timeoutError = () =>
    new GitHubError({ reason: "timeout", detail: `GitHub did not answer within ${Duration.format(timeout)}` })

  /**
   * Sends one request, counted as sent, then as answered or as failed (with why), and logged at
   * debug level when it fails or is cancelled; an answer is logged by `logAnswer`, once its
   * body is in. `what` is the method and the path, never a query (it may carry anything).
   */
  const counted = <A extends { readonly response: HttpClientResponse.HttpClientResponse }>(
    what: string,
    send: Effect.Effect<A, HttpClientError.HttpClientError>,
    /** When the attempt began (its timeout counts from then, pacing included). */
    attemptAt: number
  ): Effect.Effect<A & { readonly sentAt: number }, GitHubError> =>
    Effect.gen(function*() {
      yield* Ref.update(stats, (s) => ({ ...s, requests: s.requests + 1 }))
      const sentAt = yield* Clock.currentTimeMillis
      const failed = (kind: string, why: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.update(stats, (s) => ({
            ...s,
            failed: (s.failed ?? 0) + 1,
            failures: { ...s.failures, [kind]: (s.failures?.[kind] ?? 0) + 1 }
          })).pipe(Effect.zipRight(Effect.logDebug(`GitHub ${what}: no answer after ${now - sentAt} ms (${why})`))))
      return yield* send.pipe(
        Effect.tap(() => Ref.update(stats, (s) => ({ ...s, answered: (s.answered ?? 0) + 1 }))),
        Effect.map((a) => ({ ...a, sentAt })),
        Effect.catchAll((e) => {
          const cause = transportCause(e.cause)
          return Effect.zipRight(
            failed(transportKind(cause), cause),
            Effect.fail(new GitHubError({ reason: "transport", detail: `could not reach GitHub at ${host}: ${cause}` }))
          )
        }),
        // The request's timeout, the cycle's deadline or a signal: sent, and never answered.
        Effect.onInterrupt(() =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            now - attemptAt >= Duration.toMillis(timeout) - 50
              ? failed("timed out", `timed out after ${Duration.format(timeout)}`)
              : failed("cancelled", "cancelled: the cycle's deadline or a signal")
          )
        )
      )
    })

  /** One debug line per answer: status, time, whether it came from the ETag cache, the quota left. */
  const logAnswer = (what: string, response: HttpClientResponse.HttpClientResponse, sentAt: number, extra = "") =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const remaining = response.headers["x-ratelimit-remaining"]
      const cached = response.status === 304 ? " (304 Not Modified: from the ETag cache)" : ""
      const left = remaining === undefined || Number.isNaN(Number(remaining)) ? "" : `, rate limit remaining ${Number(remaining)}`
      return Effect.logDebug(`GitHub ${what}: ${response.status}${cached} in ${now - sentAt} ms${left}${extra}`)
    })

  /**
   * One request with the client's policy around it: a permit of the bounded concurrency,
   * two quick retries of transient failures, and a rate limit waited out when it resets before
   * the cycle must be done.
   */
  const resilient = <A>(attempt: Effect.Effect<A, GitHubError>): Effect.Effect<A, GitHubError> => {
    /** Waits out a rate limit when it resets before the cycle must be done; else fails with it. */
    const waitOut = (e: GitHubError) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const deadline = (yield* FiberRef.get(cycleDeadline)) ?? now + MAX_RATE_LIMIT_WAIT
        const wait = (e.resetAt?.getTime() ?? Infinity) - now
        if (e.reason !== "rate_limited" || !(wait < deadline - now - 1000)) return yield* Effect.fail(e)
        yield* Effect.logDebug(`rate limited: waiting ${Math.ceil(wait / 1000)}s as GitHub asks`)
        yield* Effect.sleep(Duration.millis(Math.max(0, wait)))
      })
    const once = semaphore.withPermits(1)(attempt).pipe(
      // Transient failures get two more tries, quickly: the next cycle is minutes away.
      Effect.retry({
        schedule: Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(2))),
        while: (e) => e.transient
      })
    )
    return once.pipe(
      Effect.catchTag("GitHubError", (e) => e.reason === "rate_limited" ? Effect.zipRight(waitOut(e), once) : Effect.fail(e))
    )
  }

  const maxBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES

  /** The answer's body, read up to the limit as it streams; a larger one is dropped unread. */
  const bodyOf = (response: HttpClientResponse.HttpClientResponse, path: string) =>
    readBody(response, maxBytes).pipe(
      Effect.mapError((e) =>
        e._tag === "ResponseTooLarge"
          ? new GitHubError({
            reason: "unexpected_response",
            status: response.status,
            detail: `response too large: ${path} answered more than ${formatBytes(e.limit)} (max_response_bytes); dropped`
          })
          : new GitHubError({ reason: "transport", detail: "the connection broke while reading the answer" })
      )
    )

  /**
   * Why a URL may not be asked, if it may not: another host, or a path outside the API's base
   * path (`/api/v3` on GHES), or one that `.`/`..` segments would move. The token goes nowhere else.
   */
  const outOfBounds = (url: string): string | undefined => {
    if (!URL.canParse(url)) return "not a URL"
    const target = new URL(url)
    if (target.origin !== origin) return `another host (${target.host.slice(0, 100)})`
    const raw = url.slice(origin.length).split(/[?#]/)[0] ?? ""
    if (raw !== target.pathname) return "a path that `.` or `..` segments would change"
    if (!(target.pathname + "/").startsWith(basePath + "/")) return `a path outside the API's base path ${basePath}`
    return undefined
  }

  /**
   * One GET of a full URL: the answer decoded by `schema`, or a typed error. `owner` picks the
   * credential (a next-page link may not name it: `/repositories/{id}/…`).
   */
  const getUrl = <A, I>(url: string, schema: Schema.Schema<A, I>, owner: string | undefined): Effect.Effect<Page<A>, GitHubError> => {
    const path = url.startsWith(origin) ? url.slice(origin.length).split("?")[0] ?? url : url
    // For the debug log: the path only (a query may carry anything), bounded.
    const shownPath = (path.split("?")[0] ?? "").slice(0, 300)
    const refused = outOfBounds(url)
    if (refused !== undefined) {
      return Effect.fail(new GitHubError({ reason: "unexpected_response", detail: `refused to ask ${path.slice(0, 200)}: ${refused}` }))
    }
    const attempt = Effect.gen(function*() {
      const attemptAt = yield* Clock.currentTimeMillis
      const credential = yield* tokens.credentialFor(owner)
      const limit = limitOf(credential)
      yield* quotaOf(limit)
      const pacer = yield* paced("rest", credential)
      const cacheKey = `${Option.match(credential, { onNone: () => "anonymous", onSome: (c) => c.key })} ${url}`
      const cached = etags.get(cacheKey)
      const request = HttpClientRequest.get(url).pipe(
        cached ? HttpClientRequest.setHeader("if-none-match", cached.etag) : identity,
        (r) => authorized(r, credential)
      )
      const { response, refused, sentAt } = yield* counted(`GET ${shownPath}`, executeFollowing(request), attemptAt)
      if (response.status === 304) yield* Ref.update(stats, (s) => ({ ...s, notModified: s.notModified + 1 }))
      yield* logAnswer(`GET ${shownPath}`, response, sentAt)
      yield* noteRateLimit(response, limit)
      // Only what we sent an ETag for can come back 304; the schema is the same for the same URL.
      if (cached && response.status === 304) return { body: cached.body as A, next: nextLink(cached.link) }
      const text = yield* bodyOf(response, path)
      const parsed = text === "" ? undefined : parseJson(text)
      const json = parsed === undefined ? undefined : parsed.ok ? parsed.value : Symbol.for("not-json")
      if (response.status < 200 || response.status >= 300) {
        const now = yield* Clock.currentTimeMillis
        yield* noteRejected(credential, response.status)
        const error = refused === undefined
          ? classify(response, json, now, scrubber(credential))
          : new GitHubError({ reason: "unexpected_response", status: response.status, detail: refused })
        if (error.secondary && error.resetAt !== undefined) yield* pacer.pause(error.resetAt.getTime())
        return yield* Effect.fail(error)
      }
      if (typeof json === "symbol" || json === undefined) {
        return yield* new GitHubError({
          reason: "unexpected_response",
          status: response.status,
          detail: `unexpected response from ${path}: ${parsed !== undefined && !parsed.ok ? parsed.why : "the body is empty"}`
        })
      }
      const body = yield* Schema.decodeUnknown(schema)(json).pipe(Effect.mapError((e) => decodeFailure(path, e)))
      const link = response.headers["link"]
      const etag = response.headers["etag"]
      if (response.status === 200 && etag) etags.set(cacheKey, { etag, body, link })
      return { body, next: nextLink(link) }
    }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: timeoutError }))
    return resilient(attempt).pipe(Effect.withSpan("GitHubClient.get", { attributes: { path } }))
  }

  /** GET `path` (relative to the API URL) with its query. */
  const get = <A, I>(path: string, schema: Schema.Schema<A, I>, query: Record<string, string> = {}) => {
    const search = new URLSearchParams(query).toString()
    return getUrl(`${config.apiUrl}${path}${search ? `?${search}` : ""}`, schema, ownerOfPath(path)).pipe(Effect.map((p) => p.body))
  }

  /**
   * Every page of a listing, following GitHub's `Link: rel="next"` URLs as given (GitHub may
   * point them at another path, e.g. `/repositories/{id}/…`). Only same-origin links are
   * followed, so the token never leaves the configured API host.
   */
  const getAll = <A, I, T>(
    path: string,
    schema: Schema.Schema<A, I>,
    items: (page: A) => ReadonlyArray<T>,
    query: Record<string, string> = {}
  ): Effect.Effect<ReadonlyArray<T>, GitHubError> =>
    Effect.gen(function*() {
      const search = new URLSearchParams({ per_page: "100", ...query }).toString()
      let url: string | undefined = `${config.apiUrl}${path}?${search}`
      const all: Array<T> = []
      for (let pages = 0; url !== undefined; pages++) {
        if (pages >= MAX_PAGES) {
          return yield* new GitHubError({
            reason: "unexpected_response",
            detail: `more than ${MAX_PAGES} pages at ${path}; stopped following`
          })
        }
        const target: URL | undefined = URL.canParse(url) ? new URL(url) : undefined
        if (target === undefined || target.origin !== origin) {
          return yield* new GitHubError({
            reason: "unexpected_response",
            detail: target === undefined
              ? `GitHub's next-page link is not a URL; not followed`
              : `GitHub's next-page link points at another host (${target.host}); not followed`
          })
        }
        const page: Page<A> = yield* getUrl(url, schema, ownerOfPath(path))
        all.push(...items(page.body))
        // A relative link is resolved against the page it came from.
        url = page.next === undefined ? undefined : URL.canParse(page.next, url) ? new URL(page.next, url).href : page.next
      }
      return all
    })

  const graphqlUrl = graphqlUrlOf(config.apiUrl)

  /**
   * POSTs one GraphQL query (with the same auth, timeout, retries and rate-limit handling as
   * REST) and decodes its `data` with `schema`. A query that failed as a whole (HTTP error, or
   * `errors` without `data`) is a GitHubError; errors beside data are returned with it, so the
   * caller can pin each on the target whose alias it names. `rateLimit { cost remaining resetAt }`,
   * when the query asks for it, is logged at debug level and added to the stats. `owner`: whose
   * repositories the query reads, which picks a GitHub App's installation (`credentialsPerOwner`:
   * then one query must not mix owners).
   */
  const graphql = <A, I>(
    query: string,
    variables: Record<string, unknown>,
    schema: Schema.Schema<A, I>,
    owner?: string | undefined
  ): Effect.Effect<GraphQLAnswer<A>, GitHubError> => {
    const attempt = Effect.gen(function*() {
      const attemptAt = yield* Clock.currentTimeMillis
      const credential = yield* tokens.credentialFor(owner)
      if (Option.isNone(credential)) {
        // GitHub answers anonymous GraphQL with 401: say what to do instead of sending it.
        return yield* new GitHubError({ reason: "unauthorized", detail: "GitHub's GraphQL API needs a token: set GITHUB_TOKEN, or use api: rest" })
      }
      yield* quotaOf(graphqlLimit)
      const pacer = yield* paced("graphql", credential)
      const request = HttpClientRequest.post(graphqlUrl).pipe(
        HttpClientRequest.bodyUnsafeJson({ query, variables }),
        (r) => authorized(r, credential)
      )
      const { response, sentAt } = yield* counted("POST /graphql", Effect.map(client.execute(request), (response) => ({ response })), attemptAt)
      yield* Ref.update(stats, (s) => ({ ...s, graphqlQueries: (s.graphqlQueries ?? 0) + 1 }))
      yield* noteRateLimit(response, graphqlLimit)
      const text = yield* bodyOf(response, "/graphql")
      const parsed = parseJson(text)
      const json = parsed.ok ? parsed.value : Symbol.for("not-json")
      const now = yield* Clock.currentTimeMillis
      // What the query cost, when GitHub said so (`rateLimit { cost remaining resetAt }`).
      const rateLimit = typeof json === "object" && json !== null && typeof (json as { data?: unknown }).data === "object"
        ? Schema.decodeUnknownOption(graphqlSchemas().RateLimitInfo)(((json as { data?: { rateLimit?: unknown } | null }).data ?? {}).rateLimit)
        : Option.none()
      yield* logAnswer(
        "POST /graphql",
        response,
        sentAt,
        Option.match(rateLimit, {
          onNone: () => "",
          onSome: ({ cost, remaining, resetAt }) => `; the query cost ${cost} point${cost === 1 ? "" : "s"}, ${remaining} left until ${resetAt}`
        })
      )
      if (response.status < 200 || response.status >= 300) {
        yield* noteRejected(credential, response.status)
        const error = classify(response, typeof json === "symbol" ? undefined : json, now, scrubber(credential))
        if (error.secondary && error.resetAt !== undefined) yield* pacer.pause(error.resetAt.getTime())
        return yield* Effect.fail(error)
      }
      if (typeof json === "symbol" || json === undefined) {
        return yield* new GitHubError({ reason: "unexpected_response", status: response.status, detail: `unexpected response from /graphql: ${parsed.ok ? "the body is empty" : parsed.why}` })
      }
      const body = yield* Schema.decodeUnknown(graphqlSchemas().GraphQLBody)(json).pipe(Effect.mapError((e) => decodeFailure("/graphql", e)))
      // Error texts go into check messages: scrubbed (a server may echo the token) and cut.
      const errors = (body.errors ?? []).slice(0, 100).map((e) => ({ ...e, message: scrubber(credential)(e.message).slice(0, 300) }))
      if (body.data === undefined || body.data === null) {
        const reset = Number(response.headers["x-ratelimit-reset"])
        return yield* Effect.fail(graphqlFailure(errors, Number.isNaN(reset) || reset <= 0 ? undefined : new Date(reset * 1000)))
      }
      if (Option.isSome(rateLimit)) {
        const { cost, remaining } = rateLimit.value
        yield* Ref.update(stats, (s) => ({ ...s, graphqlCost: (s.graphqlCost ?? 0) + cost, graphqlRemaining: remaining }))
      }
      const data = yield* Schema.decodeUnknown(schema)(body.data).pipe(Effect.mapError((e) => decodeFailure("/graphql", e)))
      return { data, errors }
    }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: timeoutError }))
    return resilient(attempt).pipe(Effect.withSpan("GitHubClient.graphql"))
  }

  return {
    get,
    getAll,
    graphql,
    apiUrl: config.apiUrl,
    graphqlUrl,
    /** GraphQL queries must each read one owner's repositories (a GitHub App without `installation_id`). */
    credentialsPerOwner: tokens.perOwner,
    stats: Ref.get(stats)
  } as const
})

export class GitHubClient extends Context.Tag("github-ci-monitor/GitHubClient")<
  GitHubClient,
  Effect.Effect.Success<typeof make>
>() {
  static readonly make = make
  static readonly layer = Layer.effect(GitHubClient, make)
}

/**
 * The client the settings describe, over the HttpClient in context: authenticated with the
 * token, or as the GitHub App (whose installation tokens it fetches and refreshes for as long as
 * it lives), each request bounded to 10 s. The cycle's sources use one; listing whole owners
 * while the settings are read, another.
 */
export const makeGitHubClient = (
  auth: GitHubAuth,
  options: {
    readonly concurrency: number
    readonly userAgent: string
    readonly cacheEntries?: number | undefined
    readonly maxResponseBytes?: number | undefined
    readonly restPointsPerMinute?: number | undefined
    readonly graphqlPointsPerMinute?: number | undefined
  }
) =>
  Effect.flatMap(makeTokenProvider(auth, options.userAgent), (tokens) =>
    make.pipe(
      Effect.provideService(TokenProvider, tokens),
      Effect.provideService(GitHubConfig, { apiUrl: auth.apiUrl, token: auth.token, requestTimeout: "10 seconds", ...options })
    ))

/** Request logs must never show the Datadog key either (Authorization is redacted already). */
export const redactDatadogKey = Effect.locallyScopedWith(Headers.currentRedactedNames, (names) => [...names, "dd-api-key"])

export const redactedHeaderNames = Layer.scopedDiscard(redactDatadogKey)

/** Encodes a path segment; a ref like `release/v2` becomes `release%2Fv2`, which GitHub accepts. */
export const segment = (s: string): string => encodeURIComponent(s)
