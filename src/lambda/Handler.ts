/**
 * The AWS Lambda handler, run by an EventBridge schedule. Per container: the settings, the
 * secret and the runtime (layers) are built once and reused while warm; anything that failed is
 * built again on the next invocation, never cached as a failure. Per invocation: one cycle that
 * ends before the invocation's remaining time runs out, so every target still gets its check.
 * The invocation rejects — so Lambda's Errors metric and alarms see it — when the configuration
 * or secret is bad or a check could not be delivered; it resolves whatever the CI states were.
 * Its logs and the messages it rejects with go through the scrubber, like every output.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Path from "@effect/platform/Path"
import { Cause, Context, Data, Effect, Either, Exit, FiberRef, HashSet, Layer, Logger, ManagedRuntime, Option } from "effect"
import type { Settings } from "../config/Settings.ts"
import { loadSettings } from "../config/Settings.ts"
import { scrub } from "../domain/Scrub.ts"
import { describeShard, parseShard } from "../domain/Shard.ts"
import { parseLogLevel } from "../runtime/Log.ts"
import { jsonSafe, visible } from "../sinks/Stdout.ts"
import { cycleOptions, cycleServices } from "../runtime/Layers.ts"
import { runCycle } from "../monitor.ts"
import { makeTargetList, TargetList, targetListOptions } from "../discovery/Discovery.ts"
import type { StatusSources } from "../sources/StatusSource.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import type { Sink } from "../sinks/Sink.ts"
import { deliveryDeadline } from "../sinks/Sink.ts"

export interface LambdaContext {
  readonly getRemainingTimeInMillis: () => number
  readonly awsRequestId?: string
}

export interface LambdaResult {
  readonly targets: number
  readonly ok: number
  readonly failing: number
  readonly unknown: number
  readonly delivered: number
}

/** Time kept back from the invocation's remaining time for sending the checks. */
export const deadlineFor = (remainingMillis: number): number =>
  Math.max(1000, remainingMillis - Math.min(5000, Math.max(1000, remainingMillis * 0.2)))

/**
 * One JSON object per line, which CloudWatch Logs Insights can query: Effect's JSON logger in
 * place of its default one, set on the fiber rather than by a layer (`Logger.json` is a layer
 * of layers, ≈ 12 ms of a cold start to build: `npm run bench`).
 */
const jsonConsole = Logger.withConsoleLog(Logger.map(Logger.jsonLogger, (line) => jsonSafe(scrub(line))))
const withJsonLogs = (level: string | undefined) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.locallyWith(FiberRef.currentLoggers, (loggers) => HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), jsonConsole)),
    Logger.withMinimumLogLevel(parseLogLevel(level))
  )

/** The longest message an invocation rejects with: a hostile text cannot make it megabytes. */
const MAX_ERROR_LENGTH = 1000

/** An invocation's error: scrubbed, one visible line, cut to a sane length. */
export const rejection = (message: string): Error => {
  const line = visible(scrub(message))
  return new Error(line.length <= MAX_ERROR_LENGTH ? line : `${line.slice(0, MAX_ERROR_LENGTH - 1)}…`)
}

/**
 * `{ "shard": "2/8" }` in the EventBridge rule's input: this invocation's part of the targets,
 * as `K/N` (written the one way, so " 2 / 8" shares the runtime of "2/8"). Undefined without a
 * shard; a shard that is not `K/N` is an error, found before anything is built for it.
 */
export const eventShard = (event: unknown): Either.Either<string | undefined, string> => {
  if (typeof event !== "object" || event === null || !("shard" in event) || event.shard === undefined) return Either.right(undefined)
  const given = event.shard
  if (typeof given !== "string") return Either.left(`the event's shard must be a string "K/N", e.g. "2/8" (got a ${typeof given})`)
  // parseShard quotes the text: a shard of megabytes is quoted by its start.
  return Either.match(parseShard(given.length <= 100 ? given : given.slice(0, 100)), {
    onLeft: (problem) => Either.left(`the event's shard ${problem}`),
    onRight: (shard) => given.length <= 100 ? Either.right(describeShard(shard)) : Either.left(`the event's shard is too long (${given.length} characters)`)
  })
}

/** How many shards keep a runtime while warm: a few schedules' worth, not one per event ever seen. */
export const WARM_RUNTIMES = 8

/** The settings a runtime was built with. */
class CurrentSettings extends Context.Tag("github-ci-monitor/lambda/CurrentSettings")<CurrentSettings, Settings>() {}

/** The configuration or the secret could not be read: the invocation rejects with this message. */
class NotConfigured extends Data.TaggedError("NotConfigured")<{ readonly message: string }> {}

type Runtime = ManagedRuntime.ManagedRuntime<CurrentSettings | GitHubClient | StatusSources | Sink | TargetList, NotConfigured>

export const makeHandler = (
  /** The file system, paths and the HTTP client for GitHub and Datadog: one layer, built once per runtime. */
  services: Layer.Layer<FileSystem.FileSystem | Path.Path | HttpClient.HttpClient>
) => {
  /**
   * Settings with credentials: the environment's, and the secret's when `secret_id` is set
   * (read by loadSettings, as the CLI reads it, before whole owners are listed with its token).
   */
  const prepare = (shard: string | undefined) =>
    Effect.gen(function*() {
      const configPath = process.env["CONFIG_FILE"] || undefined
      const settings = yield* loadSettings({ configPath, shard })
      if (Option.isNone(settings.datadog.apiKey)) {
        return yield* Effect.fail(
          new Error("no Datadog API key: set secret_id (a secret with datadog_api_key) or DD_API_KEY")
        )
      }
      return settings
    }).pipe(
      Effect.tapError((e) => Effect.logError(`configuration failed: ${e.message}`)),
      Effect.mapError((e) => new NotConfigured({ message: e.message })),
      withJsonLogs(undefined)
    )

  /**
   * Per shard (several schedules may call one function with different shards), one runtime for
   * the container's life: its settings, then the cycle's layers over them. Built by the first
   * invocation that uses it, then reused while warm; one that failed to build is dropped, so
   * the next invocation reads the configuration and the secret again. At most WARM_RUNTIMES are
   * kept, the least recently used disposed first: events are input, and each runtime holds
   * connections and caches. (Map keeps insertion order: re-inserting on use makes it an LRU.)
   */
  const warm = new Map<string, Runtime>()
  const runtimeFor = async (shard: string | undefined): Promise<Runtime> => {
    const key = shard ?? ""
    const cached = warm.get(key)
    if (cached) {
      warm.delete(key)
      warm.set(key, cached)
      return cached
    }
    while (warm.size >= WARM_RUNTIMES) {
      const [oldest, evicted] = warm.entries().next().value!
      warm.delete(oldest)
      // Lambda runs one invocation at a time per container: the evicted runtime is idle.
      await evicted.dispose()
    }
    // One layer, whose effect builds the rest: each layer composed (merged, provided) costs a
    // cold start hundreds of the runtime's steps, milliseconds each time (`npm run bench`).
    const runtime: Runtime = ManagedRuntime.make(
      Layer.scopedContext(Effect.gen(function*() {
        const base = yield* Layer.build(services)
        const settings = yield* prepare(shard).pipe(Effect.provide(base))
        const cycle = yield* cycleServices(settings, { _tag: "Datadog" }, "json").pipe(Effect.provide(base))
        const targets = yield* makeTargetList(targetListOptions(settings)).pipe(Effect.provide(cycle))
        return cycle.pipe(Context.add(TargetList, targets), Context.add(CurrentSettings, settings))
      }))
    )
    warm.set(key, runtime)
    return runtime
  }

  /** One cycle with the runtime's settings; fails when a check could not be delivered. */
  const invocation = (context: LambdaContext) =>
    Effect.flatMap(CurrentSettings, (settings) =>
      Effect.gen(function*() {
        const remaining = context.getRemainingTimeInMillis()
        const startedAt = Date.now()
        // Delivery, too, ends before the invocation does, so a Datadog that hangs is reported.
        const deliverBy = startedAt + remaining - 500
        // Whole owners are listed again, while warm, once their discovery interval has passed;
        // that time counts against the cycle's deadline.
        const github = yield* GitHubClient
        const before = yield* github.stats
        const targets = yield* Effect.flatMap(TargetList, (list) => list.current)
        const result = yield* runCycle(targets, { ...cycleOptions(settings), deadline: deadlineFor(remaining), startedAt }).pipe(
          Effect.locally(deliveryDeadline, deliverBy)
        )
        const undelivered = result.delivery.failures.reduce((n, f) => n + f.checks.length, 0)
        const after = yield* github.stats
        yield* Effect.logInfo("cycle done").pipe(
          Effect.annotateLogs({
            targets: result.results.length,
            ok: result.counts.ok,
            failing: result.counts.failing,
            unknown: result.counts.unknown,
            delivered: result.delivery.delivered,
            undelivered,
            durationMillis: result.durationMillis,
            // What GitHub was asked: sent, answered (304s among them), and sent with no answer.
            githubRequests: after.requests - before.requests,
            githubAnswered: (after.answered ?? 0) - (before.answered ?? 0),
            githubNotModified: after.notModified - before.notModified,
            githubFailed: (after.failed ?? 0) - (before.failed ?? 0),
            requestId: context.awsRequestId ?? ""
          })
        )
        if (undelivered > 0) {
          const reasons = [...new Set(result.delivery.failures.map((f) => f.reason))].join("; ")
          yield* Effect.logError(`${undelivered} checks not delivered: ${reasons}`)
          return yield* Effect.fail(rejection(`${undelivered} of ${result.results.length + 1} checks were not delivered: ${reasons}`))
        }
        return {
          targets: result.results.length,
          ok: result.counts.ok,
          failing: result.counts.failing,
          unknown: result.counts.unknown,
          delivered: result.delivery.delivered
        } satisfies LambdaResult
      }).pipe(withJsonLogs(settings.file.log_level)))

  const handler = async (event: unknown, context: LambdaContext): Promise<LambdaResult> => {
    const shard = eventShard(event)
    if (Either.isLeft(shard)) throw rejection(shard.left)
    const runtime = await runtimeFor(shard.right)
    const exit = await runtime.runPromiseExit(invocation(context))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    // Checks not delivered: the runtime is sound, and stays warm.
    if (Option.isSome(failure) && !(failure.value instanceof NotConfigured)) throw rejection(failure.value.message)
    // A runtime whose settings or layers failed to build stays failed: build it again next time.
    if (warm.get(shard.right ?? "") === runtime) warm.delete(shard.right ?? "")
    await runtime.dispose()
    if (Option.isSome(failure)) throw rejection(failure.value.message)
    const defect = Cause.squash(exit.cause)
    throw rejection(defect instanceof Error ? defect.message : String(defect))
  }
  /** How many runtimes are warm now (tests: the LRU's bound holds). */
  const warmRuntimes = (): number => warm.size
  return Object.assign(handler, { warmRuntimes })
}
