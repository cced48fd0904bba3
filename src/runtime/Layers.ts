/**
 * From resolved settings to the layers a cycle runs on: the GitHub client and its sources, and
 * the sink. Runtime-neutral: the HTTP client is `fetch`, the same on Node, Deno and Bun, unless
 * the entrypoint gives another (the Lambda's is node:http, whose cold start is cheaper).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Layer, Option } from "effect"
import type { Settings } from "../config/Settings.ts"
import { tokenProvider } from "../github/AppAuth.ts"
import { GitHubClient, GitHubConfig, redactedHeaderNames } from "../github/GitHubClient.ts"
import type { CycleOptions } from "../monitor.ts"
import { DatadogConfig, DatadogSink } from "../sinks/Datadog.ts"
import type { OutputFormat } from "../sinks/Stdout.ts"
import { StdoutSink } from "../sinks/Stdout.ts"
import { DEFAULT_BATCH_SIZE, GraphQLSources } from "../sources/GraphQLSources.ts"
import { RestSources } from "../sources/RestSources.ts"
import { VERSION } from "../version.ts"

export const userAgent = `github-ci-monitor/${VERSION}`

export const cycleOptions = (s: Settings): CycleOptions => ({
  checkName: s.checkName,
  selfCheckName: s.selfCheckName,
  hostName: s.hostName,
  failingStatus: s.failingStatus,
  globalTags: s.globalTags,
  concurrency: s.concurrency
})

/**
 * The sources the settings choose (`api: rest | graphql`), over a GitHub client configured from
 * them, authenticated with the token or the GitHub App (whose installation tokens are cached and
 * refreshed for as long as the layer lives: a daemon, a warm Lambda).
 */
export interface SourcesOptions {
  /**
   * Keep answers with their ETag to revalidate them next cycle (a 304 costs no rate limit).
   * Worth it only where the layer outlives one cycle: off for `run --once`, saving memory.
   */
  readonly keepAnswers?: boolean | undefined
}

export const sourcesLayer = (s: Settings, options: SourcesOptions = {}) =>
  (s.api === "graphql" ? GraphQLSources({ batchSize: s.graphqlBatchSize ?? DEFAULT_BATCH_SIZE }) : RestSources).pipe(
    Layer.provideMerge(GitHubClient.layer),
    Layer.provide(tokenProvider(s.github, userAgent)),
    Layer.provide(Layer.succeed(GitHubConfig, {
      apiUrl: s.github.apiUrl,
      token: s.github.token,
      concurrency: s.concurrency,
      requestTimeout: "10 seconds",
      userAgent,
      cacheEntries: options.keepAnswers === false ? 0 : undefined
    }))
  )

export type SinkChoice =
  | { readonly _tag: "Datadog" }
  | { readonly _tag: "Stdout"; readonly why: "dry-run" | "no-key" }

/** Datadog when there is a key and this is no dry run; otherwise the checks are printed. */
export const chooseSink = (s: Settings, dryRun: boolean): SinkChoice =>
  dryRun ? { _tag: "Stdout", why: "dry-run" } : Option.isSome(s.datadog.apiKey)
  ? { _tag: "Datadog" }
  : { _tag: "Stdout", why: "no-key" }

export const sinkLayer = (s: Settings, choice: SinkChoice, format: OutputFormat) =>
  choice._tag === "Stdout" || Option.isNone(s.datadog.apiKey)
    ? StdoutSink(format)
    : DatadogSink.pipe(
      Layer.provide(Layer.succeed(DatadogConfig, {
        apiUrl: s.datadog.apiUrl,
        apiKey: s.datadog.apiKey.value,
        requestTimeout: "10 seconds",
        batchSize: 100,
        userAgent
      }))
    )

export interface CycleLayerOptions extends SourcesOptions {
  /** The HTTP client for GitHub and Datadog; `fetch` unless given (the Lambda's is node:http). */
  readonly http?: Layer.Layer<HttpClient.HttpClient> | undefined
  /** The HTTP client for GitHub alone: the demo's simulated GitHub. Datadog stays the real one. */
  readonly githubHttp?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/** Everything one cycle needs, over `fetch` unless `http` says otherwise. */
export const cycleLayer = (s: Settings, choice: SinkChoice, format: OutputFormat, options: CycleLayerOptions = {}) => {
  const http = options.http ?? FetchHttpClient.layer
  return Layer.mergeAll(
    sourcesLayer(s, options).pipe(Layer.provide(options.githubHttp ?? http)),
    sinkLayer(s, choice, format).pipe(Layer.provide(http))
  ).pipe(Layer.provideMerge(redactedHeaderNames))
}
