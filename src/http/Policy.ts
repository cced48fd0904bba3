/**
 * What every request the tool makes obeys, whoever makes it (the GitHub client, the App's token
 * requests, discovery, the Datadog sink): no redirect followed by the transport, answers read
 * up to a size limit as they stream in, JSON nested no deeper than real answers are, and error
 * texts from a transport named without what they quote.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Chunk, Data, Effect, FiberRef, Stream } from "effect"

/**
 * A client that hands every redirect over rather than following it, on any runtime and
 * transport (node:http follows none; fetch would, headers and all), so its caller decides where
 * its credentials go.
 */
export const followNoRedirects = <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
  client.pipe(HttpClient.transformResponse(Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" })))

/**
 * Where a `Location` header points, resolved against the request's URL, and how to name it in
 * a message: by origin and path only (a query or credentials could carry anything).
 */
export const redirectLocation = (location: string, base: string): { readonly url: URL; readonly shown: string } | undefined => {
  try {
    const url = new URL(location, base)
    return { url, shown: `${url.origin}${url.pathname}`.slice(0, 200) }
  } catch {
    return undefined
  }
}

/**
 * `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND, a TLS error) in its cause. Only
 * the code and the first line of the message are kept, cut: a message may quote a header.
 */
export const transportCause = (cause: unknown): string => {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  const code = typeof inner === "object" && inner !== null && "code" in inner ? String(inner.code).slice(0, 40) : undefined
  const message = (inner instanceof Error ? inner.message : String(inner)).split(/[\r\n\u2028\u2029]/)[0]!.slice(0, 200)
  return code && !message.includes(code) ? `${code} ${message}` : message
}

/** The default limit of one answer's body: far above any real GitHub page (about 1 MB at most). */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024

/**
 * The most bytes of one answer read, for the requests made within: the GitHub client sets it
 * from `max_response_bytes`. Transports that read ahead (the Lambda's buffered client) read it
 * too, so no transport holds more than this of one answer.
 */
export const maxResponseBytes = FiberRef.unsafeMake<number>(DEFAULT_MAX_RESPONSE_BYTES)

/** An answer's body was larger than allowed: it was dropped while streaming. */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<{ readonly limit: number }> {
  override get message(): string {
    return `response too large (over ${formatBytes(this.limit)})`
  }
}

/** The body could not be read to its end (a broken connection). */
export class BodyUnreadable extends Data.TaggedError("BodyUnreadable")<{ readonly cause: unknown }> {}

export const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`

const tooLargeIn = (cause: unknown): ResponseTooLarge | undefined => {
  for (let c = cause, i = 0; c !== undefined && c !== null && i < 5; i++) {
    if (c instanceof ResponseTooLarge) return c
    c = typeof c === "object" && "cause" in c ? (c as { cause: unknown }).cause : undefined
  }
  return undefined
}

/**
 * The body as text, read as it streams and dropped once it passes `limit` (default: the
 * `maxResponseBytes` in effect): a declared `content-length` over it is refused unread.
 */
export const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit?: number
): Effect.Effect<string, ResponseTooLarge | BodyUnreadable> =>
  Effect.flatMap(limit === undefined ? FiberRef.get(maxResponseBytes) : Effect.succeed(limit), (max) => {
    const declared = Number(response.headers["content-length"])
    if (Number.isFinite(declared) && declared > max) return Effect.fail(new ResponseTooLarge({ limit: max }))
    let total = 0
    return response.stream.pipe(
      Stream.mapError((e) => tooLargeIn(e.cause) ?? new BodyUnreadable({ cause: e })),
      Stream.mapChunksEffect((chunk) => {
        Chunk.forEach(chunk, (bytes) => (total += bytes.byteLength))
        return total > max ? Effect.fail(new ResponseTooLarge({ limit: max })) : Effect.succeed(chunk)
      }),
      Stream.runCollect,
      Effect.map((chunks) => {
        // An empty body has no stream on some transports: read as "".
        const all = new Uint8Array(total)
        let at = 0
        Chunk.forEach(chunks, (bytes) => {
          all.set(bytes, at)
          at += bytes.byteLength
        })
        return new TextDecoder().decode(all)
      }),
      Effect.catchIf(
        (e): e is BodyUnreadable => e._tag === "BodyUnreadable" && isEmptyBody(e.cause),
        () => Effect.succeed("")
      )
    )
  })

const isEmptyBody = (e: unknown): boolean =>
  typeof e === "object" && e !== null && "description" in e && String(e.description).includes("empty body")

/** Real answers nest about a dozen levels (GraphQL's rollups the most); far deeper is an attack. */
export const MAX_JSON_DEPTH = 128

/**
 * How deep `text` nests arrays and objects, stopping once past `max`: a body nested 100,000
 * deep parses, but every recursive walk of it afterwards (decoding, formatting) overflows.
 */
export const jsonDepthExceeds = (text: string, max: number = MAX_JSON_DEPTH): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > max) return true
    } else if (c === 93 || c === 125) depth--
  }
  return false
}

/** Parsed JSON, or why not: not JSON at all, or nested too deep to be an answer. */
export const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly why: string } => {
  if (jsonDepthExceeds(text)) return { ok: false, why: `the body nests deeper than ${MAX_JSON_DEPTH} levels` }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, why: "the body is not JSON" }
  }
}
