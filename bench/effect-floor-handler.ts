/**
 * The cold-start floor of an Effect handler: the baseline's job (bench/baseline-handler.mjs: the
 * three GitHub requests side by side, then one Datadog POST) written with the parts this project
 * stands on — Effect, Schema-decoded bodies, the handler's HTTP client
 * (entrypoints/node/BufferedHttpClient.ts, over node:http with a keep-alive agent) — and nothing
 * else: no configuration, retries, caches, layers of its own or logging. Bundled like the real
 * handler (`node scripts/build.mjs floor` → dist/bench/effect-floor.mjs). What the real handler
 * costs above this line is its own code; below it, no Effect handler goes.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer, Schema } from "effect"
import * as BufferedHttpClient from "../entrypoints/node/BufferedHttpClient.ts"

const env = (name: string, fallback: string) => process.env[name] || fallback
const failing = new Set(["failure", "timed_out", "startup_failure", "action_required"])
const Conclusion = Schema.NullOr(Schema.String)
const CombinedStatus = Schema.Struct({ state: Schema.String })
const CheckRuns = Schema.Struct({ check_runs: Schema.Array(Schema.Struct({ name: Schema.String, conclusion: Conclusion })) })
const CheckSuites = Schema.Struct({ check_suites: Schema.Array(Schema.Struct({ id: Schema.Number, conclusion: Conclusion })) })

const cycle = Effect.gen(function*() {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
  const base = `${env("GITHUB_API_URL", "https://api.github.com")}/repos/acme/api/commits/main`
  const get = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
    client.get(`${base}${path}?per_page=100`, {
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        ...(process.env["GITHUB_TOKEN"] ? { authorization: `Bearer ${process.env["GITHUB_TOKEN"]}` } : {})
      }
    }).pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(schema)))
  const [status, runs, suites] = yield* Effect.all(
    [get("/status", CombinedStatus), get("/check-runs", CheckRuns), get("/check-suites", CheckSuites)],
    { concurrency: 3 }
  )
  const bad = [
    ...(status.state === "failure" ? ["status"] : []),
    ...runs.check_runs.filter((r) => failing.has(r.conclusion ?? "")).map((r) => r.name),
    ...suites.check_suites.filter((s) => failing.has(s.conclusion ?? "")).map((s) => `suite ${s.id}`)
  ]
  const timestamp = Math.floor(Date.now() / 1000)
  const checks = [
    { check: "ci.ok", host_name: "github-ci-monitor", status: bad.length ? 1 : 0, tags: ["owner:acme", "repo:api", "ref:main"], message: bad.join(", ") || "ok", timestamp },
    { check: "github_ci_monitor.up", host_name: "github-ci-monitor", status: 0, tags: [], message: "1 target", timestamp }
  ]
  const post = HttpClientRequest.post(`${env("DD_API_URL", "https://api.datadoghq.com")}/api/v1/check_run`).pipe(
    HttpClientRequest.setHeaders({ "dd-api-key": env("DD_API_KEY", ""), accept: "application/json" }),
    HttpClientRequest.bodyUnsafeJson(checks)
  )
  yield* client.execute(post).pipe(Effect.flatMap((r) => r.arrayBuffer))
  return { targets: 1, ok: bad.length ? 0 : 1, failing: bad.length ? 1 : 0, unknown: 0, delivered: checks.length }
})

const http = Layer.scoped(HttpClient.HttpClient, BufferedHttpClient.scoped({ keepAlive: true }))

export const handler = () => Effect.runPromise(cycle.pipe(Effect.provide(http)))
