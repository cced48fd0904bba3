/**
 * Datadog service checks over `POST /api/v1/check_run`, the key in the `DD-API-KEY` header
 * (never in a URL). Checks go in batches; a batch that fails is reported with its reason.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Array as Arr, Clock, Context, Data, Duration, Effect, FiberRef, Layer, Redacted, Schedule } from "effect"
import type { DeliveryFailure, ServiceCheck } from "./Sink.ts"
import { deliveryDeadline, Sink } from "./Sink.ts"
import { scrub } from "../domain/Scrub.ts"
import { followNoRedirects, parseJson, readBody, redirectLocation, transportCause } from "../http/Policy.ts"

export interface DatadogConfigShape {
  /** `https://api.datadoghq.com`, `https://api.datadoghq.eu`, … or a proxy's base URL. */
  readonly apiUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly requestTimeout: Duration.DurationInput
  readonly batchSize: number
  readonly userAgent: string
}
export class DatadogConfig extends Context.Tag("github-ci-monitor/DatadogConfig")<DatadogConfig, DatadogConfigShape>() {}

class DeliveryError extends Data.TaggedError("DeliveryError")<{ readonly reason: string; readonly transient: boolean }> {}

/** Where a redirect points, for the message. */
const redirectTargetOf = (location: string | undefined, base: string): string =>
  location === undefined ? "nowhere given" : redirectLocation(location, base)?.shown ?? "an address that is not a URL"

/** Datadog's text for a message: a proxy may echo the request back, so the key must not ride along. */
const datadogSaid = (body: string, key: string): string =>
  scrub(key === "" ? body : body.split(key).join("[redacted]")).replace(/\s+/g, " ").trim().slice(0, 200)

/** Datadog's intake answers 202 `{"status":"ok"}`; an `errors` list in it means the checks were not taken. */
const refusedIn = (body: string, key: string): string | undefined => {
  const parsed = parseJson(body)
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null || !("errors" in parsed.value)) return undefined
  const errors = (parsed.value as { errors: unknown }).errors
  const list = Array.isArray(errors) ? errors : [errors]
  if (list.length === 0 || errors === null) return undefined
  return datadogSaid(list.slice(0, 3).map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("; "), key) || "errors"
}

const explain = (status: number, body: string, key: string): DeliveryError => {
  // A proxy may echo the request back: the key must not reach the logs that way.
  const said = datadogSaid(body, key)
  if (status === 403 || status === 401) {
    return new DeliveryError({
      reason: `Datadog rejected the API key (${status}); check DD_API_KEY and that DD_SITE matches the key's site`,
      transient: false
    })
  }
  return new DeliveryError({
    reason: `Datadog answered ${status}${said ? `: ${said}` : ""}`,
    transient: status >= 500 || status === 429 || status === 408
  })
}

export const makeDatadogSink = Effect.gen(function*() {
  const config = yield* DatadogConfig
  const http = (yield* HttpClient.HttpClient).pipe(
    // A redirect is not followed: the key goes to the configured intake only.
    followNoRedirects,
    HttpClient.withTracerPropagation(false)
  )
  const url = `${config.apiUrl}/api/v1/check_run`
  const timeout = Duration.decode(config.requestTimeout)

  /** The time one attempt may take: the request timeout, or less when the delivery deadline is near. */
  const budget = Effect.gen(function*() {
    const by = yield* FiberRef.get(deliveryDeadline)
    const now = yield* Clock.currentTimeMillis
    return by === undefined ? timeout : Duration.min(timeout, Duration.millis(Math.max(0, by - now)))
  })

  const post = (batch: ReadonlyArray<ServiceCheck>) =>
    Effect.gen(function*() {
      const allowed = yield* budget
      if (Duration.toMillis(allowed) <= 0) {
        return yield* new DeliveryError({ reason: "no time left before the deadline to send them", transient: false })
      }
      const request = HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeaders({
          "dd-api-key": Redacted.value(config.apiKey),
          "user-agent": config.userAgent,
          accept: "application/json"
        }),
        HttpClientRequest.bodyUnsafeJson(batch)
      )
      const sentAt = yield* Clock.currentTimeMillis
      /** One debug line per batch sent: how many checks, Datadog's status (or why none), the time. */
      const logBatch = (outcome: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.logDebug(`Datadog POST /api/v1/check_run: ${batch.length} check${batch.length === 1 ? "" : "s"}, ${outcome} in ${now - sentAt} ms`))
      return yield* Effect.gen(function*() {
        const response = yield* http.execute(request).pipe(
          Effect.mapError((e) =>
            new DeliveryError({ reason: `could not reach Datadog at ${new URL(url).host}: ${transportCause(e.cause)}`, transient: true })
          ),
          Effect.tapBoth({ onFailure: (e) => logBatch(`no answer (${e.reason})`), onSuccess: (r) => logBatch(String(r.status)) }),
          Effect.onInterrupt(() => logBatch("no answer before the timeout"))
        )
        // Datadog's answers are a few bytes; more is not read.
        const body = yield* readBody(response, 64 * 1024).pipe(Effect.orElseSucceed(() => ""))
        if (response.status >= 200 && response.status < 300) {
          const refused = refusedIn(body, Redacted.value(config.apiKey))
          if (refused === undefined) return
          return yield* new DeliveryError({ reason: `Datadog answered ${response.status} but did not take the checks: ${refused}`, transient: false })
        }
        if (response.status >= 300 && response.status < 400) {
          return yield* new DeliveryError({
            reason: `Datadog redirected (${response.status}) to ${redirectTargetOf(response.headers["location"], url)}: not followed, ` +
              `the API key goes to ${new URL(url).host} only; set DD_SITE or DD_API_URL to the intake's address`,
            transient: false
          })
        }
        return yield* explain(response.status, body, Redacted.value(config.apiKey))
      }).pipe(
        Effect.timeoutFail({
          duration: allowed,
          onTimeout: () =>
            new DeliveryError({ reason: `Datadog did not answer within ${Duration.format(allowed)}`, transient: true })
        })
      )
    }).pipe(
      Effect.retry({
        schedule: Schedule.exponential("250 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(2))),
        while: (e) => e.transient
      }),
      Effect.withSpan("Datadog.post", { attributes: { checks: batch.length } })
    )

  return Sink.of({
    deliver: (checks) =>
      Effect.forEach(Arr.chunksOf(checks, Math.max(1, config.batchSize)), (batch) =>
        post(batch).pipe(
          Effect.as<ReadonlyArray<DeliveryFailure>>([]),
          Effect.catchAll((e) => Effect.succeed<ReadonlyArray<DeliveryFailure>>([{ checks: batch, reason: e.reason }]))
        ), { concurrency: 4 }).pipe(
          Effect.map((results) => {
            const failures = results.flat()
            const failed = failures.reduce((n, f) => n + f.checks.length, 0)
            return { destination: `Datadog (${config.apiUrl})`, delivered: checks.length - failed, failures }
          })
        )
  })
})

export const DatadogSink = Layer.effect(Sink, makeDatadogSink)
