/**
 * The AWS Lambda handler, run by an EventBridge schedule. Per container: the settings, the
 * secret and the runtime (layers) are built once and reused while warm; anything that failed is
 * built again on the next invocation, never cached as a failure. Per invocation: one cycle that
 * ends before the invocation's remaining time runs out, so every target still gets its check.
 * The invocation rejects — so Lambda's Errors metric and alarms see it — when the configuration
 * or secret is bad or a check could not be delivered; it resolves whatever the CI states were.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Effect, Layer, Logger, ManagedRuntime, Option } from "effect"
import { fetchSecret } from "../config/SecretsManager.ts"
import type { Credentials } from "../config/SecretsManager.ts"
import type { Settings } from "../config/Settings.ts"
import { loadSettings } from "../config/Settings.ts"
import { parseLogLevel } from "../runtime/Log.ts"
import { cycleLayer, cycleOptions } from "../runtime/Layers.ts"
import { runCycle } from "../monitor.ts"
import { TargetList } from "../discovery/Discovery.ts"
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

/** One JSON object per line, which CloudWatch Logs Insights can query. */
const jsonLogs = (level: string | undefined) =>
  Layer.merge(Logger.json, Logger.minimumLogLevel(parseLogLevel(level)))

type Runtime = ManagedRuntime.ManagedRuntime<StatusSources | Sink | TargetList, never>

/** `{ "shard": "2/8" }` in the EventBridge rule's input: this invocation's part of the targets. */
export const shardOf = (event: unknown): string | undefined =>
  typeof event === "object" && event !== null && "shard" in event && typeof event.shard === "string" ? event.shard : undefined

export const makeHandler = (platform: Layer.Layer<FileSystem.FileSystem | Path.Path>) => {
  /** Per shard (several schedules may call one function with different shards). */
  const warm = new Map<string, { readonly settings: Settings; readonly runtime: Runtime }>()
  /**
   * What reading the settings needs (files, paths, JSON logs), for the container's life: built
   * on first use and never torn down, where `Effect.provide` of a layer would build and close
   * it on every invocation (closing it alone took ≈ 12 ms of a cold start).
   */
  const base = ManagedRuntime.make(Layer.merge(platform, jsonLogs(undefined)))

  /**
   * Settings with credentials (env, or the secret when `secret_id` is set), and their runtime.
   * The secret is read before whole owners are listed, so discovery uses its token.
   */
  const prepare = (shard: string | undefined) =>
    Effect.gen(function*() {
      const cached = warm.get(shard ?? "")
      if (cached) return cached
      const configPath = process.env["CONFIG_FILE"] || undefined
      const first = yield* loadSettings({ configPath, shard, discover: false })
      const secretId = first.file.secret_id
      const credentials = secretId
        ? yield* fetchSecret({ secretId, versionId: first.file.version_id, region: first.file.region }, {
          githubApp: first.github.app !== undefined,
          githubAppPrivateKey: first.github.app !== undefined && Option.isNone(first.github.app.privateKey)
        })
        : undefined
      const base = yield* loadSettings({
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
      // The JSON logger is part of the runtime, so an invocation builds no layer of its own.
      const runtime: Runtime = ManagedRuntime.make(
        Layer.provideMerge(TargetList.fromSettings(settings), cycleLayer(settings, { _tag: "Datadog" }, "json")).pipe(
          Layer.provideMerge(jsonLogs(settings.file.log_level))
        )
      )
      const prepared = { settings, runtime }
      warm.set(shard ?? "", prepared)
      return prepared
    })

  return async (event: unknown, context: LambdaContext): Promise<LambdaResult> => {
    const shard = shardOf(event)
    const prepared = await base.runPromise(
      prepare(shard).pipe(
        Effect.tapError((e) => Effect.logError(`configuration failed: ${e.message}`)),
        Effect.mapError((e) => new Error(e.message))
      )
    )
    const { settings, runtime } = prepared
    const remaining = context.getRemainingTimeInMillis()
    const deadline = deadlineFor(remaining)
    // Delivery, too, ends before the invocation does, so a Datadog that hangs is reported.
    const deliverBy = Date.now() + remaining - 500
    const result = await runtime.runPromise(
      // Whole owners are listed again, while warm, once their discovery interval has passed.
      Effect.flatMap(TargetList, (list) => list.current).pipe(
        Effect.flatMap((targets) => runCycle(targets, { ...cycleOptions(settings), deadline })),
        Effect.locally(deliveryDeadline, deliverBy),
        Effect.tap((r) =>
          Effect.logInfo("cycle done").pipe(
            Effect.annotateLogs({
              targets: r.results.length,
              ok: r.counts.ok,
              failing: r.counts.failing,
              unknown: r.counts.unknown,
              delivered: r.delivery.delivered,
              undelivered: r.delivery.failures.reduce((n, f) => n + f.checks.length, 0),
              durationMillis: r.durationMillis,
              requestId: context.awsRequestId ?? ""
            })
          )
        )
      )
    ).catch(async (e: unknown) => {
      // A runtime whose layers failed to build stays failed: build it again next time.
      warm.delete(shard ?? "")
      await runtime.dispose()
      throw e
    })
    if (result.delivery.failures.length > 0) {
      const reasons = [...new Set(result.delivery.failures.map((f) => f.reason))].join("; ")
      const count = result.delivery.failures.reduce((n, f) => n + f.checks.length, 0)
      await base.runPromise(Effect.logError(`${count} checks not delivered: ${reasons}`))
      throw new Error(`${count} of ${result.results.length + 1} checks were not delivered: ${reasons}`)
    }
    return {
      targets: result.results.length,
      ok: result.counts.ok,
      failing: result.counts.failing,
      unknown: result.counts.unknown,
      delivered: result.delivery.delivered
    }
  }
}

