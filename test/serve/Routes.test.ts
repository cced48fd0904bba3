import * as HttpApp from "@effect/platform/HttpApp"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { passing, failing } from "../../src/domain/Verdict.ts"
import type { BoardState } from "../../src/serve/Board.ts"
import { Board, emptyBoard } from "../../src/serve/Board.ts"
import { app } from "../../src/serve/Routes.ts"
import { boardAfter, family, parseCctray, parseExposition, target } from "./support.ts"

const green = target("acme/green@main")
const red = target("acme/red@main")

/** The routes as a fetch handler over a fixed board: no server, no GitHub. */
const handlerFor = (state: BoardState) =>
  HttpApp.toWebHandler(
    app("https://github.com").pipe(Effect.provideService(Board, { get: Effect.succeed(state), update: () => Effect.void }))
  )

const fresh = () =>
  boardAfter([[green, [{ source: "check_runs", verdict: passing }]], [red, [{ source: "check_runs", verdict: failing([{ name: "e2e", conclusion: "failure" }]) }]]], {
    finishedAt: Date.now(),
    intervalMillis: 60_000
  })

describe("routes", () => {
  const handler = handlerFor(fresh())
  const get = (path: string, init: RequestInit = {}) => handler(new Request(`http://localhost${path}`, init))

  it("/metrics: Prometheus text by default, OpenMetrics when asked", async () => {
    const plain = await get("/metrics")
    expect(plain.status).toBe(200)
    expect(plain.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    expect(plain.headers.get("vary")).toBe("accept")
    expect(family(parseExposition(await plain.text(), "prometheus"), "github_ci_monitor_status").samples.map((s) => s.value)).toEqual([0, 1])
    const om = await get("/metrics", { headers: { accept: "application/openmetrics-text; version=1.0.0" } })
    expect(om.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8")
    expect(family(parseExposition(await om.text(), "openmetrics"), "github_ci_monitor_status").samples).toHaveLength(2)
  })

  it("/cctray.xml is XML", async () => {
    const r = await get("/cctray.xml")
    expect(r.headers.get("content-type")).toBe("application/xml; charset=utf-8")
    expect(parseCctray(await r.text()).map((p) => p.lastBuildStatus)).toEqual(["Success", "Failure"])
  })

  it("/ is HTML that may run no script", async () => {
    const r = await get("/")
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'")
    expect(r.headers.get("cache-control")).toBe("no-store")
    expect(await r.text()).toContain(`data-target="acme/red@main" data-level="failing"`)
  })

  it("/healthz: 200 while the last cycle is recent", async () => {
    const r = await get("/healthz")
    expect(r.status).toBe(200)
    expect(await r.text()).toMatch(/^ok: last cycle finished \d+s ago \(1 OK, 1 failing, 0 unknown\)/)
  })

  it("/healthz: 503 before the first cycle, and when the last one is older than 3 intervals", async () => {
    const starting = await handlerFor(emptyBoard([green], 60_000, Date.now()))(new Request("http://localhost/healthz"))
    expect(starting.status).toBe(503)
    expect(await starting.text()).toMatch(/^starting: the first cycle has not finished yet/)
    const old = boardAfter([[green, [{ source: "check_runs", verdict: passing }]]], { finishedAt: Date.now() - 200_000, intervalMillis: 60_000 })
    const stale = await handlerFor(old)(new Request("http://localhost/healthz"))
    expect(stale.status).toBe(503)
    expect(await stale.text()).toMatch(/^stale: /)
  })

  it("a query string does not change the route", async () => {
    expect((await get("/metrics?x=1")).status).toBe(200)
  })

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("%s on a known path: 405 with Allow: GET, HEAD", async (method) => {
    const r = await get(method === "PUT" ? "/Metrics" : "/metrics", { method })
    expect(r.status).toBe(405)
    expect(r.headers.get("allow")).toBe("GET, HEAD")
  })

  it.each(["/nope", "/metrics/extra", "/metricsx", "/../etc/passwd", "/favicon.ico"])("%s: 404", async (path) => {
    const r = await get(path)
    expect(r.status).toBe(404)
    expect(await r.text()).toMatch(/^not found: /)
  })

  it("HEAD answers like GET", async () => {
    const r = await get("/cctray.xml", { method: "HEAD" })
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toBe("application/xml; charset=utf-8")
  })
})
