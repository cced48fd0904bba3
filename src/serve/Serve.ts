/**
 * Pull mode: the cycle runs in the background (at start, then every interval) and its result
 * goes on the board; the HTTP server only reads the board. Scrapes never reach GitHub, and
 * nothing is sent to Datadog: the Agent scrapes `/metrics`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpServer from "@effect/platform/HttpServer"
import { Cause, Clock, Duration, Effect, Layer, Schedule } from "effect"
import type { Settings } from "../config/Settings.ts"
import { GitHubClient, redactedHeaderNames } from "../github/GitHubClient.ts"
import { runCycle } from "../monitor.ts"
import { cycleOptions, sourcesLayer } from "../runtime/Layers.ts"
import { TargetList } from "../discovery/Discovery.ts"
import { Board, recordCycle, recordFailure, ServedSink } from "./Board.ts"
import { GitHubTraffic } from "./GitHubTraffic.ts"
import type { ListenAddress } from "./HttpListener.ts"
import { HttpListener } from "./HttpListener.ts"
import { webBase } from "./Links.ts"
import { app } from "./Routes.ts"
import { shown } from "./Text.ts"

export interface ServeOptions {
  readonly address: ListenAddress
  /** Time between cycles; a cycle is also cut at this time (unanswered targets are unknown). */
  readonly interval: Duration.Duration
}

/** The sources over a counting fetch client, and a sink that sends nothing. Built once: the ETag cache lives on. */
export const servedCycleLayer = (settings: Settings) =>
  Layer.mergeAll(Layer.provideMerge(TargetList.fromSettings(settings), sourcesLayer(settings)), ServedSink).pipe(
    Layer.provideMerge(GitHubTraffic.layer),
    Layer.provide(FetchHttpClient.layer),
    Layer.provideMerge(redactedHeaderNames)
  )

/** One cycle onto the board; a cycle that dies (a bug) is logged and the board keeps the last one. */
const cycleOnce = (settings: Settings, interval: Duration.Duration) =>
  Effect.gen(function*() {
    const board = yield* Board
    const github = yield* GitHubClient
    const traffic = yield* GitHubTraffic
    const before = yield* github.stats
    // Whole owners (`repo: "*"`) are listed again once their discovery interval has passed.
    const targets = yield* (yield* TargetList).current
    const result = yield* runCycle(targets, { ...cycleOptions(settings), deadline: interval })
    const after = yield* github.stats
    const requests = yield* traffic.counts
    const finishedAt = yield* Clock.currentTimeMillis
    yield* board.update((s) => recordCycle({ ...s, targets }, { result, finishedAt, rateLimitRemaining: after.rateLimitRemaining, requests }))
    const sent = after.requests - before.requests
    const cached = after.notModified - before.notModified
    yield* Effect.logInfo(
      `cycle: ${result.counts.ok} OK, ${result.counts.failing} failing, ${result.counts.unknown} unknown in ${result.durationMillis} ms; ` +
        `${sent} GitHub request${sent === 1 ? "" : "s"} (${cached} answered 304 from the cache)` +
        (after.rateLimitRemaining === undefined ? "" : `, ${after.rateLimitRemaining} left in the rate limit`)
    )
  }).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.gen(function*() {
        const board = yield* Board
        const at = yield* Clock.currentTimeMillis
        // The reason goes on the public pages (the stale note, /healthz): scrubbed and cut.
        const reason = shown(Cause.pretty(cause).split("\n")[0] ?? "unknown", 500)
        yield* Effect.logError("the cycle failed; the board keeps the last result", cause)
        yield* board.update((s) => recordFailure(s, at, reason))
      })
    )
  )

/** Listens, then runs cycles until interrupted (a signal); the server closes with the scope. */
export const serve = (settings: Settings, options: ServeOptions) =>
  Effect.gen(function*() {
    const listener = yield* HttpListener
    const program = Effect.gen(function*() {
      yield* HttpServer.serveEffect(app(webBase(settings.github.apiUrl)))
      const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
      yield* Effect.logInfo(
        `serving /metrics, /cctray.xml, / and /healthz on ${address}; a cycle now, then every ${Duration.format(options.interval)}`
      )
      // Fixed rate; cycles never overlap (each is cut at the interval).
      return yield* cycleOnce(settings, options.interval).pipe(Effect.repeat(Schedule.fixed(options.interval)), Effect.andThen(Effect.never))
    })
    return yield* program.pipe(
      Effect.scoped,
      Effect.provide(Layer.mergeAll(
        listener.layer(options.address),
        Board.layer(settings.targets, Duration.toMillis(options.interval)),
        servedCycleLayer(settings)
      ))
    )
  })
