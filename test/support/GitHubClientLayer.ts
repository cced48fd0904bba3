/**
 * The real GitHub client over fetch, configured for a test, and a fake GitHub that lives as long
 * as the test's scope: the setup the client, fault, GraphQL and property tests share.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Option, Redacted } from "effect"
import type { GitHubConfigShape } from "../../src/github/GitHubClient.ts"
import { GitHubClient, GitHubConfig } from "../../src/github/GitHubClient.ts"
import type { FakeGitHubOptions } from "./FakeGitHub.ts"
import { startFakeGitHub } from "./FakeGitHub.ts"

/** A fake GitHub for the length of the test's scope. */
export const scopedFakeGitHub = (options: FakeGitHubOptions) =>
  Effect.acquireRelease(Effect.promise(() => startFakeGitHub(options)), (gh) => Effect.promise(() => gh.close()))

/** The GitHub client at `apiUrl` with `token`, over fetch; `overrides` set the rest of its configuration. */
export const gitHubClientLayer = (apiUrl: string, token: string, overrides: Partial<GitHubConfigShape> = {}) =>
  GitHubClient.layer.pipe(
    Layer.provide(Layer.succeed(GitHubConfig, {
      apiUrl,
      token: Option.some(Redacted.make(token)),
      concurrency: 10,
      requestTimeout: "5 seconds",
      userAgent: "github-ci-monitor-test",
      ...overrides
    })),
    Layer.provide(FetchHttpClient.layer)
  )
