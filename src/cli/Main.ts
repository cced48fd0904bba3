/**
 * The command line: `run`, `validate` (and `demo`), on @effect/cli. Runtime-neutral: an
 * entrypoint provides the platform (file system, terminal) and turns the exit code into the
 * process's. Exit codes: 0 every check delivered, 1 a delivery or runtime failure, 2 a usage or
 * configuration error.
 */
import type { CliApp } from "@effect/cli"
import { Command, Options, ValidationError } from "@effect/cli"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Console, Data, Effect, Either, Fiber, Layer, Option } from "effect"
import { GitHubClient } from "../github/GitHubClient.ts"
import { TargetList } from "../discovery/Discovery.ts"
import type { Overrides } from "../config/Settings.ts"
import { ConfigError, loadSettings } from "../config/Settings.ts"
import { runCycle } from "../monitor.ts"
import type { OutputFormat } from "../sinks/Stdout.ts"
import { VERSION } from "../version.ts"
import { demoConfig, demoTargets, SimulatedGitHub } from "../demo/SimulatedGitHub.ts"
import { formatJsonLines, formatTable } from "../sinks/Stdout.ts"
import { chooseSink, cycleLayer, cycleOptions } from "../runtime/Layers.ts"
import { parseLogLevel, StderrLogger } from "../runtime/Log.ts"
import { describeDelivery, describeRequests, describeSettings, settingsJson } from "./Output.ts"
import { cadenceSchedule, describeCadence, parseCadence, parseDuration } from "../runtime/Cadence.ts"
import { serveCommand } from "./Serve.ts"

/** Ends the command with this exit code, after it has said why. */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

const configOption = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("Configuration file (YAML or JSON). Default: the CONFIG variable, else .github-ci-monitor.yml found upwards."),
  Options.optional
)
const githubApiUrl = Options.text("github-api-url").pipe(
  Options.withDescription("GitHub API base URL (GitHub Enterprise: https://HOST/api/v3). Env: GITHUB_API_URL. Default https://api.github.com"),
  Options.optional
)
const ddSite = Options.text("dd-site").pipe(
  Options.withDescription("Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com. Env: DD_SITE"),
  Options.optional
)
const ddApiUrl = Options.text("dd-api-url").pipe(
  Options.withDescription("Full Datadog API base URL (a proxy or test intake); wins over --dd-site. Env: DD_API_URL"),
  Options.optional
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("GitHub requests in flight at once (1-100). Default 10"),
  Options.optional
)
const output = Options.choice("output", ["table", "json"]).pipe(
  Options.withAlias("o"),
  Options.withDescription("How printed checks look: a table, or one JSON object per line"),
  Options.withDefault("table" as const)
)

const api = Options.choice("api", ["rest", "graphql"]).pipe(
  Options.withDescription("GitHub API the sources use: rest (3 requests a target) or graphql (one query for many targets; needs a token). Default rest"),
  Options.optional
)
const shard = Options.text("shard").pipe(
  Options.withDescription("K/N: only the targets in shard K of N (a stable hash of owner/repo@ref), e.g. 2/8"),
  Options.optional
)

const common = { config: configOption, githubApiUrl, ddSite, ddApiUrl, concurrency, api, shard }
type Common = { readonly [K in keyof typeof common]: Option.Option<K extends "concurrency" ? number : string> }

const overridesOf = (o: Common): Overrides => ({
  configPath: Option.getOrUndefined(o.config),
  githubApiUrl: Option.getOrUndefined(o.githubApiUrl),
  ddSite: Option.getOrUndefined(o.ddSite),
  ddApiUrl: Option.getOrUndefined(o.ddApiUrl),
  concurrency: Option.getOrUndefined(o.concurrency),
  api: Option.getOrUndefined(o.api),
  shard: Option.getOrUndefined(o.shard)
})

/**
 * Reads the settings (whole owners listed over fetch, the CLI's client); a bad configuration is
 * printed with every problem and exits 2.
 */
const settingsOrExit = (o: Common, configText?: Overrides["configText"]) =>
  loadSettings({ ...overridesOf(o), configText }).pipe(
    Effect.provide(FetchHttpClient.layer),
    Effect.catchTag("ConfigError", (e: ConfigError) =>
      Console.error(`github-ci-monitor: ${e.message}`).pipe(Effect.zipRight(new ExitCode({ code: 2 }))))
  )

const schedule = Options.text("schedule").pipe(
  Options.withDescription("Without --once: a cron expression in UTC, e.g. \"*/5 * * * *\" (instead of --interval)"),
  Options.optional
)
const deadline = Options.text("deadline").pipe(
  Options.withDescription("Longest a cycle may ask GitHub, e.g. 2m; then unanswered targets get status 3 and every check is still sent"),
  Options.optional
)

/**
 * Lets a signal wait for the effect to finish (so a cycle in flight still delivers its checks)
 * while the effect itself stays interruptible by its own timeouts and deadline.
 */
const finishEvenIfInterrupted = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptible(Effect.flatMap(Effect.forkDaemon(Effect.interruptible(effect)), Fiber.join))

/** A usage error: say it and exit 2. */
const usage = (message: string) =>
  Console.error(`github-ci-monitor: ${message}`).pipe(Effect.zipRight(new ExitCode({ code: 2 })))

const run = Command.make(
  "run",
  {
    ...common,
    once: Options.boolean("once").pipe(Options.withDescription("Run one cycle and exit (cron, Jenkins, CI, a Kubernetes CronJob)")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Check GitHub but print the checks instead of sending them")),
    output,
    interval: Options.text("interval").pipe(
      Options.withDescription("Without --once: time between cycles, e.g. 5m, 90s, 1h. Default 5m"),
      Options.optional
    ),
    schedule,
    deadline
  },
  (o) =>
    Effect.gen(function*() {
      const settings = yield* settingsOrExit(o)
      const cadence = parseCadence(Option.getOrUndefined(o.interval), Option.getOrUndefined(o.schedule))
      if (Either.isLeft(cadence)) return yield* usage(cadence.left)
      const limit = Option.map(o.deadline, (d) => [d, parseDuration(d)] as const)
      if (Option.isSome(limit) && Option.isNone(limit.value[1])) {
        return yield* usage(`--deadline: cannot read ${JSON.stringify(limit.value[0])} as a duration (e.g. 2m, 90s)`)
      }
      const choice = chooseSink(settings, o.dryRun)
      const options = {
        ...cycleOptions(settings),
        deadline: Option.isSome(limit) ? Option.getOrUndefined(limit.value[1]) : undefined
      }
      // A signal lets the cycle in flight finish (its checks are delivered), then the process exits 0.
      const cycle = Effect.gen(function*() {
        const github = yield* GitHubClient
        const before = yield* github.stats
        // Whole owners (`repo: "*"`) are listed again once their discovery interval has passed.
        const targets = yield* (yield* TargetList).current
        const result = yield* runCycle(targets, options)
        const after = yield* github.stats
        const lines = [...describeDelivery(result, choice), describeRequests(before, after)]
        yield* Effect.forEach(lines, (line) => Console.error(`github-ci-monitor: ${line}`))
        return result
      }).pipe(finishEvenIfInterrupted)
      const logLevel = StderrLogger(parseLogLevel(settings.file.log_level))
      // Built once: a long-running process keeps its ETag cache and rate-limit view between cycles.
      const layer = Layer.merge(
        Layer.provideMerge(TargetList.fromSettings(settings), cycleLayer(settings, choice, o.output as OutputFormat, { keepAnswers: !o.once })),
        logLevel
      )
      if (o.once) {
        const result = yield* cycle.pipe(Effect.provide(layer))
        if (result.delivery.failures.length > 0) return yield* new ExitCode({ code: 1 })
        return
      }
      yield* Effect.gen(function*() {
        yield* Effect.logInfo(`running a cycle now and then ${describeCadence(cadence.right)}; stop with Ctrl-C or SIGTERM`)
        // Cycles never overlap; a failed delivery is reported and the next cycle still runs.
        yield* cycle.pipe(Effect.repeat(cadenceSchedule(cadence.right)))
      }).pipe(Effect.provide(layer))
    })
).pipe(Command.withDescription("Check every target on GitHub and send one Datadog service check each"))

const validate = Command.make(
  "validate",
  { ...common, output, schedule },
  (o) =>
    Effect.gen(function*() {
      const settings = yield* settingsOrExit(o)
      if (Option.isSome(o.schedule)) {
        const cadence = parseCadence(undefined, o.schedule.value)
        if (Either.isLeft(cadence)) return yield* usage(cadence.left)
      }
      yield* Console.log(o.output === "json" ? JSON.stringify(settingsJson(settings), null, 2) : describeSettings(settings))
    })
).pipe(Command.withDescription("Read the configuration, report every problem, and print the resolved targets"))

const demo = Command.make(
  "demo",
  {
    output,
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Do not send the sample checks even with a Datadog key"))
  },
  (o) =>
    Effect.gen(function*() {
      const settings = yield* settingsOrExit({
        config: Option.none(),
        githubApiUrl: Option.some("https://api.github.com"),
        ddSite: Option.none(),
        ddApiUrl: Option.none(),
        concurrency: Option.none(),
        api: Option.none(),
        shard: Option.none()
      }, { source: "built-in demo", text: demoConfig })
      const choice = chooseSink(settings, o.dryRun)
      yield* Console.error(
        `github-ci-monitor: demo: one cycle against a built-in simulated GitHub (${demoTargets.length} sample repositories), no network or token needed`
      )
      const result = yield* runCycle(settings.targets, cycleOptions(settings)).pipe(
        Effect.provide(cycleLayer(settings, choice, o.output as OutputFormat, { githubHttp: SimulatedGitHub, keepAnswers: false }))
      )
      // Sent to Datadog: show the table too, since showing it is the point of the demo.
      if (choice._tag === "Datadog") {
        const checks = [...result.results.map((r) => r.check), result.selfCheck]
        yield* Console.log(o.output === "json" ? formatJsonLines(checks) : formatTable(checks))
      }
      yield* Effect.forEach(describeDelivery(result, choice), (line) => Console.error(`github-ci-monitor: ${line}`))
      if (result.delivery.failures.length > 0) return yield* new ExitCode({ code: 1 })
    })
).pipe(Command.withDescription("Run one cycle against a built-in simulated GitHub and print the checks (sends them with a Datadog key)"))

const root = Command.make("github-ci-monitor").pipe(
  Command.withDescription("Watch the CI state of GitHub repositories and report it to Datadog as service checks"),
  Command.withSubcommands([run, validate, demo, serveCommand(ExitCode, { config: configOption, githubApiUrl, concurrency })])
)

const cli = Command.run(root, { name: "github-ci-monitor", version: VERSION })

/** ANSI styling (SGR sequences), as @effect/cli writes its help whatever the output is. */
const ansiStyle = /\u001b\[[0-9;]*m/g
const unstyled = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a.replace(ansiStyle, "") : a))

/** `base` with the styling taken out of what it logs: for a pipe, a file, a CI log, or NO_COLOR. */
const plainConsole = (base: Console.Console): Console.Console => ({
  ...base,
  log: (...args) => base.log(...unstyled(args)),
  error: (...args) => base.error(...unstyled(args)),
  unsafe: {
    ...base.unsafe,
    log: (...args) => base.unsafe.log(...unstyled(args)),
    error: (...args) => base.unsafe.error(...unstyled(args))
  }
})

/**
 * Runs the CLI on `argv` (`process.argv`) and gives the exit code. `color: false` (the
 * entrypoint's choice: output not a terminal, or NO_COLOR set) prints the help without styling.
 */
export const main = (
  argv: ReadonlyArray<string>,
  options: { readonly color?: boolean } = {}
): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  Effect.flatMap(Effect.console, (current) =>
    options.color === false ? Effect.withConsole(cli(argv), plainConsole(current)) : cli(argv)).pipe(
    Effect.as(0),
    Effect.catchAll((e) =>
      e instanceof ExitCode ? Effect.succeed(e.code) : ValidationError.isValidationError(e) ? Effect.succeed(2) : Effect.die(e)
    ),
    Effect.catchAllDefect((defect) =>
      Console.error(`github-ci-monitor: internal error: ${defect instanceof Error ? defect.stack ?? defect.message : String(defect)}`)
        .pipe(Effect.as(1))
    )
  )
