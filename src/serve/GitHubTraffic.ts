/**
 * Counts every request sent to GitHub by how it ended, for
 * `github_ci_monitor_github_requests_total{result}`. It wraps the HTTP client the GitHub client
 * is built on, so retries and every page count, and a 304 is told apart from an error.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Context, Effect, Exit, Cause, Layer, Ref } from "effect"

export const requestResults = [
  "ok",
  "not_modified",
  "rate_limited",
  "client_error",
  "server_error",
  "transport_error",
  "cancelled"
] as const
export type RequestResult = (typeof requestResults)[number]
export type RequestCounts = Readonly<Record<RequestResult, number>>

export const noRequests: RequestCounts = Object.fromEntries(requestResults.map((r) => [r, 0])) as Record<RequestResult, number>

/** How GitHub answered: 2xx ok, 304, a rate limit (403/429 with GitHub's headers), other 4xx, 5xx. */
export const resultOf = (response: HttpClientResponse.HttpClientResponse): RequestResult => {
  const status = response.status
  if (status === 304) return "not_modified"
  if (status >= 200 && status < 300) return "ok"
  if (
    (status === 403 || status === 429) &&
    (response.headers["x-ratelimit-remaining"] === "0" || response.headers["retry-after"] !== undefined)
  ) return "rate_limited"
  if (status >= 500) return "server_error"
  return "client_error"
}

export interface GitHubTrafficShape {
  readonly counts: Effect.Effect<RequestCounts>
}

export class GitHubTraffic extends Context.Tag("github-ci-monitor/serve/GitHubTraffic")<GitHubTraffic, GitHubTrafficShape>() {
  /**
   * The HTTP client GitHub is reached with, counting, beside the counts. A request interrupted
   * (its timeout, the cycle's deadline) is `cancelled`; one that got no answer is `transport_error`.
   */
  static readonly layer: Layer.Layer<GitHubTraffic | HttpClient.HttpClient, never, HttpClient.HttpClient> = Layer.effectContext(
    Effect.gen(function*() {
      const counts = yield* Ref.make(noRequests)
      const note = (result: RequestResult) => Ref.update(counts, (c) => ({ ...c, [result]: c[result] + 1 }))
      const client = (yield* HttpClient.HttpClient).pipe(
        HttpClient.transform((effect) =>
          effect.pipe(
            Effect.onExit((exit) =>
              Exit.isSuccess(exit)
                ? note(resultOf(exit.value))
                : note(Cause.isInterruptedOnly(exit.cause) ? "cancelled" : "transport_error")
            )
          )
        )
      )
      return Context.make(GitHubTraffic, { counts: Ref.get(counts) }).pipe(Context.add(HttpClient.HttpClient, client))
    })
  )
}
