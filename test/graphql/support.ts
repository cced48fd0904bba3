/** Shared pieces of the GraphQL tests: targets, a client over fetch, and a cycle with a capturing sink. */
import { Effect, Layer } from "effect"
import type { Conclusion, SourceId, Target } from "../../src/domain/Target.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"
import type { GitHubConfigShape } from "../../src/github/GitHubClient.ts"
import { GitHubClient } from "../../src/github/GitHubClient.ts"
import { runCycle } from "../../src/monitor.ts"
import type { ServiceCheck } from "../../src/sinks/Sink.ts"
import { Sink } from "../../src/sinks/Sink.ts"
import type { StatusSources } from "../../src/sources/StatusSource.ts"
import type { FakeGitHubOptions } from "../support/FakeGitHub.ts"
import { gitHubClientLayer, scopedFakeGitHub } from "../support/GitHubClientLayer.ts"

export const TOKEN = "ghp_GraphQLTestToken0123456789abcdefABCD"

/** `owner/repo@ref` as a target with all three sources (or only `sources`). */
export const target = (
  key: string,
  over: { sources?: ReadonlyArray<SourceId> | undefined; failOn?: ReadonlyArray<Conclusion>; tags?: ReadonlyArray<string> } = {}
): Target => {
  const at = key.indexOf("@")
  const [owner = "", repo = ""] = key.slice(0, at).split("/")
  const on = (s: SourceId) => (over.sources ? over.sources.includes(s) : true)
  return {
    owner,
    repo,
    ref: key.slice(at + 1),
    sources: { status: on("status"), check_runs: on("check_runs"), check_suites: on("check_suites") },
    failOn: over.failOn ?? defaultFailOn,
    tags: over.tags ?? []
  }
}

/** A fake GitHub for the length of the test's scope. */
export const fakeGitHub = (options: FakeGitHubOptions) => scopedFakeGitHub({ token: TOKEN, ...options })

export const clientLayer = (apiUrl: string, overrides: Partial<GitHubConfigShape> = {}) => gitHubClientLayer(apiUrl, TOKEN, overrides)

const captureSink = Layer.succeed(Sink, {
  deliver: (checks) => Effect.succeed({ destination: "test", delivered: checks.length, failures: [] })
})

export const cycleOptions = {
  checkName: "ci.ok",
  selfCheckName: "github_ci_monitor.up",
  hostName: "test",
  failingStatus: 1 as const,
  globalTags: []
}

/**
 * One cycle over `targets` with `sources` against the GitHub at `apiUrl`: the checks in target
 * order, each verdict, and what the client counted.
 */
export const cycle = (
  sources: Layer.Layer<StatusSources, never, GitHubClient>,
  apiUrl: string,
  targets: ReadonlyArray<Target>,
  client: Partial<GitHubConfigShape> = {}
) =>
  Effect.gen(function*() {
    const result = yield* runCycle(targets, cycleOptions)
    const stats = yield* (yield* GitHubClient).stats
    return {
      checks: result.results.map((r) => r.check) as ReadonlyArray<ServiceCheck>,
      results: result.results,
      stats
    }
  }).pipe(Effect.provide(Layer.mergeAll(sources, captureSink).pipe(Layer.provideMerge(clientLayer(apiUrl, client)))))
