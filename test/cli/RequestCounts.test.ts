/**
 * What the summary line counts, from the GitHub client itself: each request sent, then answered
 * or failed — and why, in the words the line uses — on the TestClock, over HTTP clients that
 * answer, refuse or never answer.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Redacted, Schema, TestClock } from "effect"
import { describeRequests } from "../../src/cli/Output.ts"
import { GitHubClient, GitHubConfig, transportKind } from "../../src/github/GitHubClient.ts"

const clientOver = (http: HttpClient.HttpClient) =>
  GitHubClient.layer.pipe(
    Layer.provide(Layer.succeed(GitHubConfig, {
      apiUrl: "https://api.github.com",
      token: Option.some(Redacted.make("ghp_counts0123456789")),
      concurrency: 10,
      requestTimeout: "10 seconds",
      userAgent: "github-ci-monitor-test"
    })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, http))
  )

const Body = Schema.Struct({ state: Schema.String })

describe("requests counted as sent, answered, failed", () => {
  it.effect("answered: whatever the status (a 404 is an answer)", () =>
    Effect.gen(function*() {
      const github = yield* GitHubClient
      yield* github.get("/repos/acme/api/commits/main/status", Body)
      yield* Effect.either(github.get("/repos/acme/gone/commits/main/status", Body))
      const stats = yield* github.stats
      expect(stats).toMatchObject({ requests: 2, answered: 2, failed: 0 })
      expect(describeRequests({ requests: 0, notModified: 0, rateLimitRemaining: undefined }, stats)).toBe(
        "GitHub: 2 requests sent, 2 answered, rate limit remaining 4999"
      )
    }).pipe(Effect.provide(clientOver(HttpClient.make((request) =>
      Effect.succeed(HttpClientResponse.fromWeb(
        request,
        new Response(request.url.includes("/gone/") ? JSON.stringify({ message: "Not Found" }) : JSON.stringify({ state: "success" }), {
          status: request.url.includes("/gone/") ? 404 : 200,
          headers: { "content-type": "application/json", "x-ratelimit-remaining": "4999", "x-ratelimit-reset": "4102444800" }
        })
      ))
    )))))

  it.effect("could not connect: each try counted (a transient failure is tried three times)", () =>
    Effect.gen(function*() {
      const github = yield* GitHubClient
      const fiber = yield* Effect.fork(Effect.either(github.get("/repos/acme/api/commits/main/status", Body)))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const stats = yield* github.stats
      expect(stats).toMatchObject({ requests: 3, answered: 0, failed: 3, failures: { "could not connect": 3 } })
      expect(describeRequests({ requests: 0, notModified: 0, rateLimitRemaining: undefined }, stats)).toBe(
        "GitHub: 3 requests sent, 0 answered, 3 failed (could not connect)"
      )
    }).pipe(Effect.provide(clientOver(HttpClient.make((request) =>
      Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) }))
    )))))

  it.effect("no answer within the request's timeout: timed out", () =>
    Effect.gen(function*() {
      const github = yield* GitHubClient
      const fiber = yield* Effect.fork(Effect.either(github.get("/repos/acme/api/commits/main/status", Body)))
      for (let i = 0; i < 6; i++) yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const stats = yield* github.stats
      expect(stats).toMatchObject({ requests: 3, answered: 0, failed: 3, failures: { "timed out": 3 } })
    }).pipe(Effect.provide(clientOver(HttpClient.make(() => Effect.never)))))

  it("transport failures in a few words", () => {
    expect(transportKind("ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1")).toBe("could not connect")
    expect(transportKind("getaddrinfo ENOTFOUND api.github.com")).toBe("could not connect")
    expect(transportKind("ECONNRESET socket hang up")).toBe("connection dropped")
    expect(transportKind("UNABLE_TO_VERIFY_LEAF_SIGNATURE unable to verify the first certificate")).toBe("TLS failed")
    expect(transportKind("ETIMEDOUT connect ETIMEDOUT 10.0.0.1:443")).toBe("timed out")
  })
})
