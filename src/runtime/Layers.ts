/**
 * From resolved settings to the layers a cycle runs on: the GitHub client and its sources, and
 * the sink. Runtime-neutral: `cycleLayer` runs over `fetch`, the same on Node, Deno and Bun;
 * `cycleServices` over the HttpClient in context (the Lambda's is node:http, whose cold start is cheaper).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { Context, Effect, Layer, Option } from "effect"
import type { Settings } from "../config/Settings.ts"
import { GitHubClient, makeGitHubClient, redactDatadogKey } from "../github/GitHubClient.ts"
import type { CycleOptions } from "../monitor.ts"
import { DatadogConfig, makeDatadogSink } from "../sinks/Datadog.ts"
import { Sink } from "../sinks/Sink.ts"
import type { OutputFormat } from "../sinks/Stdout.ts"
import { stdoutSink } from "../sinks/Stdout.ts"
import { DEFAULT_BATCH_SIZE, makeGraphQLSources } from "../sources/GraphQLSources.ts"
import { makeRestSources } from "../sources/RestSources.ts"
import { StatusSources } from "../sources/StatusSource.ts"
import { userAgent } from "../version.ts"

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

/**
 * ETag entries for at least two cycles' requests: an LRU smaller than one cycle's working set
 * evicts every entry before it is asked again (4,000 REST targets: not one 304). Twice the first
 * pages, for later pages and targets discovered later; at least 10,000.
 */
export const cacheEntriesFor = (s: Pick<Settings, "targets">): number =>
  Math.max(10_000, 2 * s.targets.reduce((n, t) => n + (t.sources.status ? 1 : 0) + (t.sources.check_runs ? 1 : 0) + (t.sources.check_suites ? 1 : 0), 0))

export const makeSources = (s: Settings, options: SourcesOptions = {}) =>
  Effect.gen(function*() {
    const github = yield* makeGitHubClient(s.github, {
      concurrency: s.concurrency,
      userAgent,
      cacheEntries: options.keepAnswers === false ? 0 : cacheEntriesFor(s),
      maxResponseBytes: s.maxResponseBytes,
      restPointsPerMinute: s.restPointsPerMinute,
      graphqlPointsPerMinute: s.graphqlPointsPerMinute
    })
    const sources = yield* (s.api === "graphql"
      ? makeGraphQLSources({ batchSize: s.graphqlBatchSize ?? DEFAULT_BATCH_SIZE })
      : makeRestSources).pipe(Effect.provideService(GitHubClient, github))
    return Context.make(GitHubClient, github).pipe(Context.add(StatusSources, sources))
  })

export const sourcesLayer = (s: Settings, options: SourcesOptions = {}) => Layer.scopedContext(makeSources(s, options))

export type SinkChoice =
  | { readonly _tag: "Datadog" }
  | { readonly _tag: "Stdout"; readonly why: "dry-run" | "no-key" }

/** Datadog when there is a key and this is no dry run; otherwise the checks are printed. */
export const chooseSink = (s: Settings, dryRun: boolean): SinkChoice =>
  dryRun ? { _tag: "Stdout", why: "dry-run" } : Option.isSome(s.datadog.apiKey)
  ? { _tag: "Datadog" }
  : { _tag: "Stdout", why: "no-key" }

export const makeSink = (s: Settings, choice: SinkChoice, format: OutputFormat): Effect.Effect<Sink["Type"], never, HttpClient.HttpClient> =>
  choice._tag === "Stdout" || Option.isNone(s.datadog.apiKey)
    ? Effect.succeed(stdoutSink(format))
    : makeDatadogSink.pipe(
      Effect.provideService(DatadogConfig, {
        apiUrl: s.datadog.apiUrl,
        apiKey: s.datadog.apiKey.value,
        requestTimeout: "10 seconds",
        batchSize: 100,
        userAgent
      })
    )

export interface CycleLayerOptions extends SourcesOptions {
  /** The HTTP client for GitHub alone: the demo's simulated GitHub. Datadog stays the real one. */
  readonly githubHttp?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/**
 * Everything one cycle needs — the GitHub client, the sources, the sink — over the HttpClient
 * in context (GitHub's over `githubHttp` when given), with the Datadog key among the header
 * names redacted in logs. One effect builds them all, rather than a layer for each: each layer
 * composed costs a cold start hundreds of the runtime's steps; the graph of them cost the
 * Lambda about 20 ms (`npm run bench`).
 */
export const cycleServices = (
  s: Settings,
  choice: SinkChoice,
  format: OutputFormat,
  options: CycleLayerOptions = {}
) =>
  Effect.gen(function*() {
    yield* redactDatadogKey
    const http = yield* HttpClient.HttpClient
    const githubHttp = options.githubHttp === undefined
      ? http
      : Context.get(yield* Layer.build(options.githubHttp), HttpClient.HttpClient)
    const sources = yield* makeSources(s, options).pipe(Effect.provideService(HttpClient.HttpClient, githubHttp))
    const sink = yield* makeSink(s, choice, format)
    return Context.add(sources, Sink, sink)
  })

/** Everything one cycle needs, over `fetch`. */
export const cycleLayer = (s: Settings, choice: SinkChoice, format: OutputFormat, options: CycleLayerOptions = {}) =>
  Layer.scopedContext(cycleServices(s, choice, format, options)).pipe(Layer.provide(FetchHttpClient.layer))
