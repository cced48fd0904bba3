/**
 * The HTTP side of `serve`: `/metrics`, `/cctray.xml`, `/` and `/healthz`, all read from the
 * board. GET and HEAD only (405 with `Allow` otherwise); any other path is 404.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, Effect } from "effect"
import { Board, health } from "./Board.ts"
import { renderCctray } from "./Cctray.ts"
import { contentTypes, negotiate } from "./Exposition.ts"
import { renderMetrics } from "./Metrics.ts"
import { renderStatusPage } from "./StatusPage.ts"

export const paths = ["/", "/metrics", "/cctray.xml", "/healthz"] as const

/** Every answer is about now: no cache in between may keep it. */
const fresh = { "cache-control": "no-store", "x-content-type-options": "nosniff" }

const text = (body: string, contentType: string, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(body, { status, contentType, headers: { ...fresh, ...headers } })

const plain = "text/plain; charset=utf-8"

/** `web`: GitHub's web address for links (see Links.webBase). */
export const routes = (web: string) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/metrics",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const state = yield* Effect.flatMap(Board, (b) => b.get)
        const format = negotiate(request.headers["accept"])
        return text(renderMetrics(state, format), contentTypes[format], 200, { vary: "accept" })
      })
    ),
    HttpRouter.get(
      "/cctray.xml",
      Effect.map(Effect.flatMap(Board, (b) => b.get), (state) => text(renderCctray(state, web), "application/xml; charset=utf-8"))
    ),
    HttpRouter.get(
      "/",
      Effect.gen(function*() {
        const state = yield* Effect.flatMap(Board, (b) => b.get)
        const now = yield* Clock.currentTimeMillis
        // No script runs on this page, and nothing on it may load from elsewhere.
        return text(renderStatusPage(state, web, now), "text/html; charset=utf-8", 200, {
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
        return text(`${h.message}\n`, plain, h.healthy ? 200 : 503)
      })
    )
  )

/** The routes, with 404 for unknown paths and 405 for other methods on known ones. */
export const app = (web: string) =>
  routes(web).pipe(
    Effect.catchTag("RouteNotFound", (e) => {
      const path = new URL(e.request.url, "http://localhost").pathname
      // The router matches paths case-insensitively; so does this.
      return Effect.succeed(
        (paths as ReadonlyArray<string>).includes(path.toLowerCase())
          ? text(`method ${e.request.method} not allowed: use GET or HEAD\n`, plain, 405, { allow: "GET, HEAD" })
          : text(`not found: ${path}; this server answers ${paths.join(", ")}\n`, plain, 404)
      )
    })
  )
