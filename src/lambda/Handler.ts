/**
 * The AWS Lambda handler, run by an EventBridge schedule. Per container: the settings, the
 * secret and the runtime (layers) are built once and reused while warm; anything that failed is
 * built again on the next invocation, never cached as a failure. Per invocation: one cycle that
 * ends before the invocation's remaining time runs out, so every target still gets its check.
 * The invocation rejects — so Lambda's Errors metric and alarms see it — when the configuration
 * or secret is bad or a check could not be delivered; it resolves whatever the CI states were.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Path from "@effect/platform/Path"
import { Cause, Context, Data, Effect, Exit, FiberRef, HashSet, Layer, Logger, ManagedRuntime, Option } from "effect"
import { fetchSecret } from "../config/SecretsManager.ts"
import type { Credentials } from "../config/SecretsManager.ts"
import type { Settings } from "../config/Settings.ts"
import { loadSettings } from "../config/Settings.ts"
import { parseLogLevel } from "../runtime/Log.ts"
import { cycleOptions, cycleServices } from "../runtime/Layers.ts"
import { runCycle } from "../monitor.ts"
import { makeTargetList, TargetList, targetListOptions } from "../discovery/Discovery.ts"
import type { StatusSources } from "../sources/StatusSource.ts"
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

const withCredentials = (s: Settings, c: Credentials): Settings => ({
  ...s,
  github: { ...s.github, token: c.githubToken ? Option.some(c.githubToken) : s.github.token },
  datadog: { ...s.datadog, apiKey: Option.some(c.datadogApiKey) }
})

/**
 * One JSON object per line, which CloudWatch Logs Insights can query: Effect's JSON logger in
 * place of its default one, set on the fiber rather than by a layer (`Logger.json` is a layer
 * of layers, ≈ 12 ms of a cold start to build: `npm run bench`).
 */
const jsonConsole = Logger.withConsoleLog(Logger.jsonLogger)
const withJsonLogs = (level: string | undefined) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.locallyWith(FiberRef.currentLoggers, (loggers) => HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), jsonConsole)),
    Logger.withMinimumLogLevel(parseLogLevel(level))
  )

/** `{ "shard": "2/8" }` in the EventBridge rule's input: this invocation's part of the targets. */
export const shardOf = (event: unknown): string | undefined =>
  typeof event === "object" && event !== null && "shard" in event && typeof event.shard === "string" ? event.shard : undefined

/** The settings a runtime was built with. */
class CurrentSettings extends Context.Tag("github-ci-monitor/lambda/CurrentSettings")<CurrentSettings, Settings>() {}

/** The configuration or the secret could not be read: the invocation rejects with this message. */
class NotConfigured extends Data.TaggedError("NotConfigured")<{ readonly message: string }> {}

type Runtime = ManagedRuntime.ManagedRuntime<CurrentSettings | StatusSources | Sink | TargetList, NotConfigured>

export const makeHandler = (
  /** The file system, paths and the HTTP client for GitHub and Datadog: one layer, built once per runtime. */
  services: Layer.Layer<FileSystem.FileSystem | Path.Path | HttpClient.HttpClient>
) => {
  /**
   * Settings with credentials (env, or the secret when `secret_id` is set). The secret is read
   * before whole owners are listed, so discovery uses its token.
   */
  const prepare = (shard: string | undefined) =>
    Effect.gen(function*() {
      const configPath = process.env["CONFIG_FILE"] || undefined
      const first = yield* loadSettings({ configPath, shard, discover: false })
      const secretId = first.file.secret_id
      const credentials = secretId
        ? yield* fetchSecret({ secretId, versionId: first.file.version_id, region: first.file.region }, {
          githubApp: first.github.app !== undefined,
          githubAppPrivateKey: first.github.app !== undefined && Option.isNone(first.github.app.privateKey)
        })
        : undefined
      // Read again only for what the first reading left out: the secret's credentials, whole owners.
      const base = credentials === undefined && (first.owners ?? []).length === 0
        ? first
        : yield* loadSettings({
          configPath,
          shard,
          githubToken: credentials?.githubToken,
          githubAppPrivateKey: credentials?.githubAppPrivateKey
        })
      const settings = credentials ? withCredentials(base, credentials) : base
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
   * the next invocation reads the configuration and the secret again.
   */
  const warm = new Map<string, Runtime>()
  const runtimeFor = (shard: string | undefined): Runtime => {
    const cached = warm.get(shard ?? "")
    if (cached) return cached
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
    warm.set(shard ?? "", runtime)
    return runtime
  }

  /** One cycle with the runtime's settings; fails when a check could not be delivered. */
  const invocation = (context: LambdaContext) =>
    Effect.flatMap(CurrentSettings, (settings) =>
      Effect.gen(function*() {
        const remaining = context.getRemainingTimeInMillis()
        // Delivery, too, ends before the invocation does, so a Datadog that hangs is reported.
        const deliverBy = Date.now() + remaining - 500
        // Whole owners are listed again, while warm, once their discovery interval has passed.
        const targets = yield* Effect.flatMap(TargetList, (list) => list.current)
        const result = yield* runCycle(targets, { ...cycleOptions(settings), deadline: deadlineFor(remaining) }).pipe(
          Effect.locally(deliveryDeadline, deliverBy)
        )
        const undelivered = result.delivery.failures.reduce((n, f) => n + f.checks.length, 0)
        yield* Effect.logInfo("cycle done").pipe(
          Effect.annotateLogs({
            targets: result.results.length,
            ok: result.counts.ok,
            failing: result.counts.failing,
            unknown: result.counts.unknown,
            delivered: result.delivery.delivered,
            undelivered,
            durationMillis: result.durationMillis,
            requestId: context.awsRequestId ?? ""
          })
        )
        if (undelivered > 0) {
          const reasons = [...new Set(result.delivery.failures.map((f) => f.reason))].join("; ")
          yield* Effect.logError(`${undelivered} checks not delivered: ${reasons}`)
          return yield* Effect.fail(new Error(`${undelivered} of ${result.results.length + 1} checks were not delivered: ${reasons}`))
        }
        return {
          targets: result.results.length,
          ok: result.counts.ok,
          failing: result.counts.failing,
          unknown: result.counts.unknown,
          delivered: result.delivery.delivered
        } satisfies LambdaResult
      }).pipe(withJsonLogs(settings.file.log_level)))

  return async (event: unknown, context: LambdaContext): Promise<LambdaResult> => {
    const shard = shardOf(event)
    const runtime = runtimeFor(shard)
    const exit = await runtime.runPromiseExit(invocation(context))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    // Checks not delivered: the runtime is sound, and stays warm.
    if (Option.isSome(failure) && !(failure.value instanceof NotConfigured)) throw failure.value
    // A runtime whose settings or layers failed to build stays failed: build it again next time.
    warm.delete(shard ?? "")
    await runtime.dispose()
    throw Option.isSome(failure) ? new Error(failure.value.message) : Cause.squash(exit.cause)
  }
}
