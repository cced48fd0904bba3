/**
 * `github-ci-monitor serve`: pull mode. Checks GitHub in the background and serves the latest
 * result as metrics (`/metrics`), a cctray feed (`/cctray.xml`), a status page (`/`) and a
 * health check (`/healthz`). Needs no Datadog key: the Datadog Agent scrapes `/metrics`.
 *
 * Main.ts hands over its exit-code error and its shared options, so the two files share one
 * definition of each and import each other in one direction only.
 */
import { Command, Options } from "@effect/cli"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type { YieldableError } from "effect/Cause"
import { Console, Duration, Effect, Either, Option } from "effect"
import type { ConfigError } from "../config/Settings.ts"
import { loadSettings } from "../config/Settings.ts"
import { parseCadence } from "../runtime/Cadence.ts"
import { parseLogLevel, StderrLogger } from "../runtime/Log.ts"
import { serve } from "../serve/Serve.ts"
import { shown } from "../serve/Text.ts"

export interface SharedOptions {
  readonly config: Options.Options<Option.Option<string>>
  readonly githubApiUrl: Options.Options<Option.Option<string>>
  readonly concurrency: Options.Options<Option.Option<number>>
}

export const DEFAULT_PORT = 9101
export const DEFAULT_INTERVAL = "60s"

/** `ExitCode`: Main.ts's error that ends the command with a code (after the command said why). */
export const serveCommand = <E extends YieldableError>(
  ExitCode: new(args: { readonly code: number }) => E,
  shared: SharedOptions
) => {
  const exit = (code: number, message: string) =>
    Console.error(`github-ci-monitor: ${message}`).pipe(Effect.zipRight(Effect.fail(new ExitCode({ code }))))
  return Command.make(
    "serve",
    {
      ...shared,
      port: Options.integer("port").pipe(
        Options.withDescription(`Port to listen on (0: any free port, logged at start). Default ${DEFAULT_PORT}`),
        Options.withDefault(DEFAULT_PORT)
      ),
      host: Options.text("host").pipe(
        Options.withDescription("Address to listen on. Default 0.0.0.0 (every interface); 127.0.0.1 for this machine only"),
        Options.withDefault("0.0.0.0")
      ),
      interval: Options.text("interval").pipe(
        Options.withDescription(`Time between cycles, e.g. 60s, 5m (a cycle is cut at this time). Default ${DEFAULT_INTERVAL}`),
        Options.withDefault(DEFAULT_INTERVAL)
      )
    },
    (o) =>
      Effect.gen(function*() {
        const settings = yield* loadSettings({
          configPath: Option.getOrUndefined(o.config),
          githubApiUrl: Option.getOrUndefined(o.githubApiUrl),
          concurrency: Option.getOrUndefined(o.concurrency)
        }).pipe(Effect.provide(FetchHttpClient.layer), Effect.catchTag("ConfigError", (e: ConfigError) => exit(2, e.message)))
        if (!(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) {
          return yield* exit(2, `--port: must be a whole number from 0 to 65535 (got ${o.port})`)
        }
        const cadence = parseCadence(o.interval, undefined)
        if (Either.isLeft(cadence) || cadence.right._tag !== "Interval") {
          return yield* exit(2, Either.isLeft(cadence) ? cadence.left : "--interval: give a duration")
        }
        const interval = Duration.decode(cadence.right.every)
        const logger = StderrLogger(parseLogLevel(settings.file.log_level))
        return yield* Effect.gen(function*() {
          if (Option.isNone(settings.github.token) && settings.github.app === undefined) {
            yield* Effect.logWarning("no GITHUB_TOKEN: public repositories only, and GitHub allows 60 requests an hour")
          }
          return yield* serve(settings, { address: { host: o.host, port: o.port }, interval })
        }).pipe(
          Effect.catchTag("ServeError", (e) =>
            exit(1, `cannot listen on ${o.host}:${o.port}: ${shown(e.cause instanceof Error ? e.cause.message : String(e.cause), 500)}`)),
          Effect.provide(logger)
        )
      })
  ).pipe(
    Command.withDescription(
      "Pull mode: check GitHub in the background and serve /metrics (Prometheus/OpenMetrics for the Datadog Agent), /cctray.xml, a status page at / and /healthz"
    )
  )
}
