/**
 * The HTTP side of `serve`: `/metrics`, `/cctray.xml`, `/` and `/healthz`, all read from the
 * board. GET and HEAD only (405 with `Allow` otherwise); any other path is 404.
 *
 * Each body is rendered once per board state (a new one each cycle) and kept as bytes: every
 * request then sends the same buffer, so 2,000 page loads at once cost one page of memory, not
 * 2,000 (a string body would be encoded afresh for each).
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, Effect } from "effect"
import type { BoardState } from "./Board.ts"
import { Board, health } from "./Board.ts"
import { renderCctray } from "./Cctray.ts"
import { contentTypes, negotiate } from "./Exposition.ts"
import { renderMetrics } from "./Metrics.ts"
import { renderStatusPage } from "./StatusPage.ts"
import { shown } from "./Text.ts"

export const paths = ["/", "/metrics", "/cctray.xml", "/healthz"] as const

/** Every answer is about now: no cache in between may keep it. */
const fresh = { "cache-control": "no-store", "x-content-type-options": "nosniff" }

/** A cached body: the same bytes for every request (no copy is made per request). */
const respond = (body: Uint8Array, contentType: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.uint8Array(body, { status: 200, contentType, headers: { ...fresh, ...headers } })

const encoder = new TextEncoder()
const text = (body: string, contentType: string, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(body, { status, contentType, headers: { ...fresh, ...headers } })

const plain = "text/plain; charset=utf-8"

/**
 * Bodies by board state and variant (a metrics format; the page's stale note), each rendered on
 * first use. Older states go when the board drops them; a state keeps a few variants only (the
 * stale note changes every second while cycles stall).
 */
export const renderCache = () => {
  const cache = new WeakMap<BoardState, Map<string, Uint8Array>>()
  return (state: BoardState, variant: string, render: () => string): Uint8Array => {
    const variants = cache.get(state) ?? new Map<string, Uint8Array>()
    cache.set(state, variants)
    const known = variants.get(variant)
    if (known !== undefined) return known
    const bytes = encoder.encode(render())
    if (variants.size >= 4) variants.delete(variants.keys().next().value as string)
    variants.set(variant, bytes)
    return bytes
  }
}

/** `web`: GitHub's web address for links (see Links.webBase). */
export const routes = (web: string) => {
  const metrics = renderCache()
  const cctray = renderCache()
  const page = renderCache()
  return HttpRouter.empty.pipe(
    HttpRouter.get(
      "/metrics",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const state = yield* Effect.flatMap(Board, (b) => b.get)
        const format = negotiate(request.headers["accept"])
        return respond(metrics(state, format, () => renderMetrics(state, format)), contentTypes[format], { vary: "accept" })
      })
    ),
    HttpRouter.get(
      "/cctray.xml",
      Effect.map(Effect.flatMap(Board, (b) => b.get), (state) =>
        respond(cctray(state, "", () => renderCctray(state, web)), "application/xml; charset=utf-8"))
    ),
    HttpRouter.get(
      "/",
      Effect.gen(function*() {
        const state = yield* Effect.flatMap(Board, (b) => b.get)
        const now = yield* Clock.currentTimeMillis
        const h = health(state, now)
        // Only the note shown while cycles stall depends on the time; it is the variant.
        const note = state.last !== undefined && !h.healthy ? h.message : ""
        // No script runs on this page, and nothing on it may load from elsewhere.
        return respond(page(state, note, () => renderStatusPage(state, web, now)), "text/html; charset=utf-8", {
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
          "referrer-policy": "no-referrer"
        })
      })
    ),
    HttpRouter.get(
      "/healthz",
      Effect.gen(function*() {
        const state = yield* Effect.flatMap(Board, (b) => b.get)
        const h = health(state, yield* Clock.currentTimeMillis)
        return text(`${shown(h.message, 1_000)}\n`, plain, h.healthy ? 200 : 503)
      })
    )
  )
}

/** The routes, with 404 for unknown paths and 405 for other methods on known ones. */
export const app = (web: string) =>
  routes(web).pipe(
    Effect.catchTag("RouteNotFound", (e) => {
      const path = new URL(e.request.url, "http://localhost").pathname
      // The router matches paths case-insensitively; so does this.
      return Effect.succeed(
        (paths as ReadonlyArray<string>).includes(path.toLowerCase())
          ? text(`method ${e.request.method} not allowed: use GET or HEAD\n`, plain, 405, { allow: "GET, HEAD" })
          // The path is the asker's own, but this is still text going out: scrubbed and cut.
          : text(`not found: ${shown(path, 200)}; this server answers ${paths.join(", ")}\n`, plain, 404)
      )
    })
  )
