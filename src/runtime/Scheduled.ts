/**
 * One cycle for a scheduler that calls us (Deno.cron, and anything like it): read the settings
 * from the environment, check every target, deliver, and fail loudly when a check could not be
 * delivered or the configuration is bad, so the scheduler's own error reporting sees it.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Data, Effect, Logger } from "effect"
import type { Overrides } from "../config/Settings.ts"
import { ConfigError, loadSettings } from "../config/Settings.ts"
import { scrub } from "../domain/Scrub.ts"
import type { CycleResult } from "../monitor.ts"
import { runCycle } from "../monitor.ts"
import { chooseSink, cycleLayer, cycleOptions } from "./Layers.ts"
import { parseLogLevel, StderrLogger } from "./Log.ts"

export class UndeliveredChecks extends Data.TaggedError("UndeliveredChecks")<{ readonly count: number; readonly reasons: string }> {
  override get message(): string {
    return scrub(`${this.count} checks were not delivered: ${this.reasons}`)
  }
}

export const scheduledCycle = (
  overrides: Overrides = {}
): Effect.Effect<CycleResult, ConfigError | UndeliveredChecks, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    // The scheduler prints these errors: scrubbed, as every output is.
    const settings = yield* loadSettings(overrides).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.mapError((e) => new ConfigError({ source: scrub(e.source), problems: e.problems.map(scrub) }))
    )
    const choice = chooseSink(settings, false)
    const result = yield* runCycle(settings.targets, cycleOptions(settings)).pipe(
      Effect.provide(cycleLayer(settings, choice, "json", { keepAnswers: false })),
      Logger.withMinimumLogLevel(parseLogLevel(settings.file.log_level))
    )
    yield* Effect.logInfo(scrub(
      `checked ${result.results.length} targets: ${result.counts.ok} OK, ${result.counts.failing} failing, ${result.counts.unknown} unknown; delivered ${result.delivery.delivered} checks to ${result.delivery.destination}`
    ))
    const undelivered = result.delivery.failures.reduce((n, f) => n + f.checks.length, 0)
    if (undelivered > 0) {
      return yield* new UndeliveredChecks({
        count: undelivered,
        reasons: scrub([...new Set(result.delivery.failures.map((f) => f.reason))].join("; "))
      })
    }
    return result
  }).pipe(
    // The CLI's logger: each line scrubbed, controls shown as escapes.
    Effect.provide(StderrLogger(parseLogLevel(undefined)))
  )
