/**
 * The GitHub REST client: base URL, auth, API version, a per-request timeout, a bound on
 * requests in flight, pagination over `Link`, typed errors, and every body decoded by a Schema.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Clock, Context, Duration, Effect, FiberRef, identity, Layer, Option, ParseResult, Redacted, Ref, Schedule, Schema } from "effect"
import { GitHubError } from "./GitHubError.ts"

export interface GitHubConfigShape {
  /** REST base URL, without a trailing slash: `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  readonly apiUrl: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  /** Requests in flight at once, across every source. */
  readonly concurrency: number
  readonly requestTimeout: Duration.DurationInput
  readonly userAgent: string
  /** Responses kept with their ETag for conditional requests (default 10,000). */
  readonly cacheEntries?: number | undefined
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

/** `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND, a TLS error) in its cause. */
export const transportCause = (cause: unknown): string => {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  const code = typeof inner === "object" && inner !== null && "code" in inner ? String(inner.code) : undefined
  const message = inner instanceof Error ? inner.message : String(inner)
  return code && !message.includes(code) ? `${code} ${message}` : message
}

const clock = (d: Date) => d.toISOString().slice(11, 19)

/** Maps a non-2xx answer to the typed error that says what to do about it. */
const classify = (response: HttpClientResponse.HttpClientResponse, body: unknown, now: number): GitHubError => {
  const status = response.status
  const said = errorMessage(body)
  const quoted = said ? `: ${said}` : ""
  const remaining = response.headers["x-ratelimit-remaining"]
  const retryAfter = Number(response.headers["retry-after"])
  const reset = Number(response.headers["x-ratelimit-reset"])
  if ((status === 403 || status === 429) && (remaining === "0" || !Number.isNaN(retryAfter))) {
    const resetAt = !Number.isNaN(retryAfter)
      ? new Date(now + retryAfter * 1000)
      : !Number.isNaN(reset) && reset > 0
      ? new Date(reset * 1000)
      : undefined
    return new GitHubError({
      reason: "rate_limited",
      status,
      resetAt,
      detail: resetAt ? `rate limited until ${clock(resetAt)} UTC` : `rate limited (${status}${quoted})`
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

const decodeFailure = (path: string, error: ParseResult.ParseError) =>
  new GitHubError({
    reason: "unexpected_response",
    detail: `unexpected response body from ${path}: ${
      ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 2).map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")
    }`
  })

export interface Page<A> {
  readonly body: A
  readonly next: string | undefined
}

/** What the client did, for the cycle's summary and the benchmark. */
export interface GitHubStats {
  /** Requests sent (a 304 counts: it is sent, it just costs no rate limit). */
  readonly requests: number
  /** Answered 304 Not Modified from the ETag cache. */
  readonly notModified: number
  /** The last `x-ratelimit-remaining` GitHub reported, if any. */
  readonly rateLimitRemaining: number | undefined
}

/**
 * When the current cycle must be done (epoch ms); set by the cycle around the sources. A rate
 * limit is waited out only if the wait ends before it.
 */
export const cycleDeadline = FiberRef.unsafeMake<number | undefined>(undefined)

/** Without a deadline, the longest wait for a rate limit to reset before giving up for this cycle. */
const MAX_RATE_LIMIT_WAIT = 60_000

interface Cached {
  readonly etag: string
  readonly text: string
  readonly link: string | undefined
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
  const timeout = Duration.decode(config.requestTimeout)
  // ETags are per token; a client is built per token, so its cache is too.
  const etags = lru<Cached>(config.cacheEntries ?? 10_000)
  const stats = yield* Ref.make<GitHubStats>({ requests: 0, notModified: 0, rateLimitRemaining: undefined })
  /** GitHub's primary rate limit as last reported: at zero, ask nothing until it resets. */
  const limit = yield* Ref.make<{ remaining: number; resetAt: number } | undefined>(undefined)
  const client = (yield* HttpClient.HttpClient).pipe(
    HttpClient.mapRequest((request) => {
      const withHeaders = request.pipe(
        HttpClientRequest.setHeaders({
          accept: "application/vnd.github+json",
          "x-github-api-version": API_VERSION,
          "user-agent": config.userAgent
        })
      )
      return Option.match(config.token, {
        onNone: () => withHeaders,
        onSome: (token) => HttpClientRequest.bearerToken(withHeaders, token)
      })
    }),
    HttpClient.withTracerPropagation(false)
  )

  const noteRateLimit = (response: HttpClientResponse.HttpClientResponse) => {
    const remaining = Number(response.headers["x-ratelimit-remaining"])
    const reset = Number(response.headers["x-ratelimit-reset"])
    if (Number.isNaN(remaining)) return Effect.void
    return Effect.zipRight(
      Ref.update(stats, (s) => ({ ...s, rateLimitRemaining: remaining })),
      Ref.set(limit, Number.isNaN(reset) ? undefined : { remaining, resetAt: reset * 1000 })
    )
  }

  /** Fails at once, sending nothing, while GitHub has said the quota is spent. */
  const checkQuota = Effect.gen(function*() {
    const known = yield* Ref.get(limit)
    const now = yield* Clock.currentTimeMillis
    if (known && known.remaining <= 0 && known.resetAt > now) {
      const resetAt = new Date(known.resetAt)
      return yield* new GitHubError({ reason: "rate_limited", resetAt, detail: `rate limited until ${clock(resetAt)} UTC` })
    }
  })

  /** One GET of a full URL: the answer decoded by `schema`, or a typed error. */
  const getUrl = <A, I>(url: string, schema: Schema.Schema<A, I>): Effect.Effect<Page<A>, GitHubError> => {
    const path = url.startsWith(origin) ? url.slice(origin.length).split("?")[0] ?? url : url
    const attempt = Effect.gen(function*() {
      yield* checkQuota
      const cached = etags.get(url)
      const request = HttpClientRequest.get(url).pipe(
        cached ? HttpClientRequest.setHeader("if-none-match", cached.etag) : identity
      )
      const response = yield* client.execute(request).pipe(
        Effect.mapError((e) => new GitHubError({ reason: "transport", detail: `could not reach GitHub at ${host}: ${transportCause(e.cause)}` }))
      )
      yield* Ref.update(stats, (s) => ({ ...s, requests: s.requests + 1, notModified: s.notModified + (response.status === 304 ? 1 : 0) }))
      yield* noteRateLimit(response)
      const text = cached && response.status === 304 ? cached.text : yield* response.text.pipe(
        Effect.mapError(() => new GitHubError({ reason: "transport", detail: "the connection broke while reading the answer" }))
      )
      const json = yield* Effect.try({
        try: () => (text === "" ? undefined : JSON.parse(text) as unknown),
        catch: () => undefined
      }).pipe(Effect.orElseSucceed(() => Symbol.for("not-json")))
      if (response.status !== 304 && (response.status < 200 || response.status >= 300)) {
        const now = yield* Clock.currentTimeMillis
        return yield* Effect.fail(classify(response, json, now))
      }
      if (typeof json === "symbol" || json === undefined) {
        return yield* new GitHubError({
          reason: "unexpected_response",
          status: response.status,
          detail: `unexpected response from ${path}: the body is not JSON`
        })
      }
      const body = yield* Schema.decodeUnknown(schema)(json).pipe(Effect.mapError((e) => decodeFailure(path, e)))
      const link = response.status === 304 && cached ? cached.link : response.headers["link"]
      const etag = response.headers["etag"]
      if (response.status === 200 && etag) etags.set(url, { etag, text, link })
      return { body, next: nextLink(link) }
    }).pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new GitHubError({ reason: "timeout", detail: `GitHub did not answer within ${Duration.format(timeout)}` })
      })
    )
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
      Effect.catchTag("GitHubError", (e) => e.reason === "rate_limited" ? Effect.zipRight(waitOut(e), once) : Effect.fail(e)),
      Effect.withSpan("GitHubClient.get", { attributes: { path } })
    )
  }

  /** GET `path` (relative to the API URL) with its query. */
  const get = <A, I>(path: string, schema: Schema.Schema<A, I>, query: Record<string, string> = {}) => {
    const search = new URLSearchParams(query).toString()
    return getUrl(`${config.apiUrl}${path}${search ? `?${search}` : ""}`, schema).pipe(Effect.map((p) => p.body))
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
        if (new URL(url).origin !== origin) {
          return yield* new GitHubError({
            reason: "unexpected_response",
            detail: `GitHub's next-page link points at another host (${new URL(url).host}); not followed`
          })
        }
        const page: Page<A> = yield* getUrl(url, schema)
        all.push(...items(page.body))
        url = page.next
      }
      return all
    })

  return { get, getAll, apiUrl: config.apiUrl, stats: Ref.get(stats) } as const
})

export class GitHubClient extends Context.Tag("github-ci-monitor/GitHubClient")<
  GitHubClient,
  Effect.Effect.Success<typeof make>
>() {
  static readonly layer = Layer.effect(GitHubClient, make)
}

/** Request logs must never show the Datadog key either (Authorization is redacted already). */
export const redactedHeaderNames = Layer.scopedDiscard(
  Effect.locallyScopedWith(Headers.currentRedactedNames, (names) => [...names, "dd-api-key"])
)

/** Encodes a path segment; a ref like `release/v2` becomes `release%2Fv2`, which GitHub accepts. */
export const segment = (s: string): string => encodeURIComponent(s)
