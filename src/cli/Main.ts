/**
 * The command line: `run`, `validate` (and `demo`), on @effect/cli. Runtime-neutral: an
 * entrypoint provides the platform (file system, terminal) and turns the exit code into the
 * process's. Exit codes: 0 every check delivered, 1 a delivery or runtime failure, 2 a usage or
 * configuration error.
 */
import type { CliApp } from "@effect/cli"
import { Command, Options, ValidationError } from "@effect/cli"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Cause, Clock, Console, Context, Data, Deferred, Duration, Effect, Either, Exit, Fiber, identity, Layer, Option, Ref } from "effect"
import { cycleDeadline, GitHubClient } from "../github/GitHubClient.ts"
import { TargetList } from "../discovery/Discovery.ts"
import type { Overrides } from "../config/Settings.ts"
import { ConfigError, loadSettings } from "../config/Settings.ts"
import type { CycleResult } from "../monitor.ts"
import { runCycle } from "../monitor.ts"
import type { Target } from "../domain/Target.ts"
import { Sink } from "../sinks/Sink.ts"
import { StatusSources } from "../sources/StatusSource.ts"
import type { ProgressOutput } from "./Progress.ts"
import { answeredCounter, drawProgress } from "./Progress.ts"
import { budgetJson, budgetOf, describeBudget } from "./Budget.ts"
import type { OutputFormat } from "../sinks/Stdout.ts"
import { VERSION } from "../version.ts"
import { demoConfig, demoTargets, SimulatedGitHub } from "../demo/SimulatedGitHub.ts"
import { formatJsonLines, formatTable, jsonSafe, printable, printableLines } from "../sinks/Stdout.ts"
import { scrub } from "../domain/Scrub.ts"
import { chooseSink, cycleLayer, cycleOptions } from "../runtime/Layers.ts"
import { clearTransientLine, logLevelFlag, parseLogLevel, StderrLogger, takeLogLevel } from "../runtime/Log.ts"
import { describeDelivery, describeRequests, describeSettings, settingsJson } from "./Output.ts"
import { cadenceSchedule, describeCadence, parseCadence, parseDuration } from "../runtime/Cadence.ts"
import { serveCommand } from "./Serve.ts"

/** Ends the command with this exit code, after it has said why. */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

/**
 * The exit code if a signal stops the process now: 1 while the last cycle's delivery failed
 * (the cycle in flight at the signal finishes first, so it counts), else 0.
 */
class ExitOnSignal extends Context.Tag("github-ci-monitor/cli/ExitOnSignal")<ExitOnSignal, Ref.Ref<number>>() {}

/** Prints one line (or a text of several, `multiline`) on stderr: scrubbed, controls shown as escapes. */
const say = (text: string, multiline = false) =>
  Effect.sync(clearTransientLine).pipe(
    Effect.zipRight(Console.error(`github-ci-monitor: ${multiline ? printableLines(text) : printable(text)}`))
  )

/** A text option that may be left out. */
const optionalText = (name: string, description: string) => Options.text(name).pipe(Options.withDescription(description), Options.optional)

const configOption = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("Configuration file (YAML or JSON). Default: the CONFIG variable, else .github-ci-monitor.yml found upwards."),
  Options.optional
)
const githubApiUrl = optionalText("github-api-url", "GitHub API base URL (GitHub Enterprise: https://HOST/api/v3). Env: GITHUB_API_URL. Default https://api.github.com")
const ddSite = optionalText("dd-site", "Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com. Env: DD_SITE")
const ddApiUrl = optionalText("dd-api-url", "Full Datadog API base URL (a proxy or test intake); wins over --dd-site. Env: DD_API_URL")
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
const shard = optionalText("shard", "K/N: only the targets in shard K of N (a stable hash of owner/repo@ref), e.g. 2/8")

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
    // Listing whole owners logs like the cycle does: scrubbed lines, `--log-level` honoured.
    Effect.provide(StderrLogger(parseLogLevel(undefined))),
    Effect.catchTag("ConfigError", (e: ConfigError) => say(e.message, true).pipe(Effect.zipRight(new ExitCode({ code: 2 }))))
  )

const schedule = optionalText("schedule", "Without --once: a cron expression in UTC, e.g. \"*/5 * * * *\" (instead of --interval)")
const interval = optionalText("interval", "Without --once: time between cycles, e.g. 5m, 90s, 1h. Default 5m")
// validate's own words: it runs no cycle, it only reckons what the cadence would cost GitHub.
const budgetInterval = optionalText("interval", "For the GitHub budget: time between cycles, e.g. 5m, 90s, 1h. Default 5m")
const budgetSchedule = optionalText("schedule", "For the GitHub budget: a cron expression in UTC, e.g. \"*/5 * * * *\" (instead of --interval)")
const quiet = Options.boolean("quiet").pipe(
  Options.withAlias("q"),
  Options.withDescription("No progress line while a cycle runs (it is drawn only when stderr is a terminal); the summary lines stay")
)
const deadline = optionalText("deadline", "Longest a cycle may take to judge its targets (listing whole owners included), e.g. 2m; then unanswered targets get status 3 and every check is still sent")

/**
 * How long a cycle in flight at a signal may still ask GitHub; then the targets not answered yet
 * are unknown and every check is delivered. Well inside a Kubernetes pod's 30 s default grace,
 * with room for the delivery.
 */
export const SIGNAL_GRACE = Duration.seconds(10)

/**
 * Lets a signal wait for the effect to finish (so a cycle in flight still delivers its checks)
 * while the effect itself stays interruptible by its own timeouts and deadline. `make` gets an
 * effect that completes `SIGNAL_GRACE` after a signal: the cycle stops asking GitHub then.
 */
const finishEvenIfInterrupted = <A, E, R>(make: (stop: Effect.Effect<void>) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Deferred.make<void>(), (signalled) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        Effect.forkDaemon(Effect.interruptible(make(Deferred.await(signalled).pipe(Effect.zipRight(Effect.sleep(SIGNAL_GRACE)))))),
        (fiber) =>
          restore(Fiber.join(fiber)).pipe(
            Effect.onInterrupt(() => Deferred.succeed(signalled, undefined).pipe(Effect.zipRight(Fiber.await(fiber))))
          )
      )
    ))

/** A usage error: say it and exit 2. */
const usage = (message: string) => say(message).pipe(Effect.zipRight(new ExitCode({ code: 2 })))

/** stderr, when it is a terminal and `--quiet` was not given: where the progress line is drawn. */
const progressOutput = (quiet: boolean): ProgressOutput | undefined => {
  const stderr = globalThis.process?.stderr
  return quiet || stderr?.isTTY !== true ? undefined : { write: (text) => void stderr.write(text) }
}

/**
 * Runs a cycle over `targets` with its delivery timed apart from the rest (the summary tells
 * them apart) and, on a terminal, the progress line drawn while it runs: targets answered,
 * GitHub requests sent (`requests`), time so far.
 */
const observeCycle = <E, R>(
  targets: ReadonlyArray<Target>,
  progress: ProgressOutput | undefined,
  requests: Effect.Effect<number>,
  cycle: Effect.Effect<CycleResult, E, R>
) =>
  Effect.gen(function*() {
    const delivering = yield* Ref.make(0)
    const counter = yield* answeredCounter(targets)
    const run = cycle.pipe(
      Effect.updateService(Sink, (sink) =>
        Sink.of({
          deliver: (checks) =>
            Effect.timed(sink.deliver(checks)).pipe(
              Effect.tap(([took]) => Ref.update(delivering, (ms) => ms + Duration.toMillis(took))),
              Effect.map(([, report]) => report)
            )
        })),
      progress === undefined ? identity : Effect.updateService(StatusSources, counter.wrap)
    )
    const result = progress === undefined ? yield* run : yield* Effect.scoped(
      Effect.zipRight(
        drawProgress(progress, (elapsedMillis) =>
          Effect.map(Effect.all({ answered: counter.answered, requests }), (p) => ({ ...p, total: counter.total, elapsedMillis }))),
        run
      )
    )
    return { result, deliveryMillis: yield* Ref.get(delivering) }
  })

const run = Command.make(
  "run",
  {
    ...common,
    once: Options.boolean("once").pipe(Options.withDescription("Run one cycle and exit (cron, Jenkins, CI, a Kubernetes CronJob)")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Check GitHub but print the checks instead of sending them")),
    output,
    interval,
    schedule,
    deadline,
    quiet
  },
  (o) =>
    Effect.gen(function*() {
      // Usage first: nothing is read or asked for a command line that cannot run.
      if (o.once && (Option.isSome(o.interval) || Option.isSome(o.schedule))) {
        const given = Option.isSome(o.interval) ? "--interval" : "--schedule"
        return yield* usage(`--once runs one cycle and exits: ${given} is for the daemon (run without --once), not both`)
      }
      const cadence = parseCadence(Option.getOrUndefined(o.interval), Option.getOrUndefined(o.schedule))
      if (Either.isLeft(cadence)) return yield* usage(cadence.left)
      const limit = Option.map(o.deadline, (d) => [d, parseDuration(d)] as const)
      if (Option.isSome(limit) && Option.isNone(limit.value[1])) {
        return yield* usage(`--deadline: cannot read ${JSON.stringify(limit.value[0])} as a duration (e.g. 2m, 90s)`)
      }
      const settings = yield* settingsOrExit(o)
      const choice = chooseSink(settings, o.dryRun)
      const options = {
        ...cycleOptions(settings),
        deadline: Option.isSome(limit) ? Option.getOrUndefined(limit.value[1]) : undefined
      }
      const exitOnSignal = yield* ExitOnSignal
      const progress = progressOutput(o.quiet)
      // A signal lets the cycle in flight finish (its checks are delivered), then the process
      // exits: 0, or 1 when that delivery failed.
      const cycle = finishEvenIfInterrupted((stop) =>
        Effect.gen(function*() {
          // The deadline counts from here: listing whole owners is part of the cycle.
          const startedAt = yield* Clock.currentTimeMillis
          const github = yield* GitHubClient
          const before = yield* github.stats
          // Whole owners (`repo: "*"`) are listed again once their discovery interval has passed;
          // a rate limit is waited out only within the deadline.
          const listing = (yield* TargetList).current
          const targets = yield* options.deadline === undefined
            ? listing
            : Effect.locally(listing, cycleDeadline, startedAt + Duration.toMillis(options.deadline))
          const sent = Effect.map(github.stats, (s) => s.requests - before.requests)
          const { deliveryMillis, result } = yield* observeCycle(targets, progress, sent, runCycle(targets, { ...options, startedAt, stop }))
          yield* Ref.set(exitOnSignal, result.delivery.failures.length > 0 ? 1 : 0)
          const after = yield* github.stats
          const lines = [...describeDelivery(result, choice, deliveryMillis), describeRequests(before, after)]
          yield* Effect.forEach(lines, (line) => say(line))
          return result
        })
      )
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
  { ...common, output, interval: budgetInterval, schedule: budgetSchedule },
  (o) =>
    Effect.gen(function*() {
      const cadence = parseCadence(Option.getOrUndefined(o.interval), Option.getOrUndefined(o.schedule))
      if (Either.isLeft(cadence)) return yield* usage(cadence.left)
      const settings = yield* settingsOrExit(o)
      const budget = budgetOf(settings, cadence.right)
      yield* Console.log(
        o.output === "json"
          ? jsonSafe(scrub(JSON.stringify({ ...settingsJson(settings), budget: budgetJson(budget) }, null, 2)))
          : [describeSettings(settings), "", ...describeBudget(budget).map((line, i) => printable(i === 0 ? `GitHub budget: ${line}` : line))].join("\n")
      )
      // Said on stderr too, where a script or a CI log looks for trouble; the exit code stays 0:
      // it is an estimate (304s are free), and the tool paces itself whatever the budget.
      if (!budget.fits) yield* Effect.forEach(budget.problems, (p) => say(`warning: the GitHub budget does not fit: ${p}`))
    })
).pipe(Command.withDescription("Read the configuration, report every problem, print the resolved targets, where each secret comes from, and what a cycle costs GitHub"))

const demo = Command.make(
  "demo",
  {
    output,
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Do not send the sample checks even with a Datadog key")),
    quiet
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
      yield* say(`demo: one cycle against a built-in simulated GitHub (${demoTargets.length} sample repositories), no network or token needed`)
      const { deliveryMillis, result } = yield* Effect.gen(function*() {
        const github = yield* GitHubClient
        const sent = Effect.map(github.stats, (s) => s.requests)
        return yield* observeCycle(settings.targets, progressOutput(o.quiet), sent, runCycle(settings.targets, cycleOptions(settings)))
      }).pipe(
        Effect.provide(cycleLayer(settings, choice, o.output as OutputFormat, { githubHttp: SimulatedGitHub, keepAnswers: false }))
      )
      // Sent to Datadog: show the table too, since showing it is the point of the demo.
      if (choice._tag === "Datadog") {
        const checks = [...result.results.map((r) => r.check), result.selfCheck]
        yield* Console.log(o.output === "json" ? formatJsonLines(checks) : formatTable(checks))
      }
      yield* Effect.forEach(describeDelivery(result, choice, deliveryMillis), (line) => say(line))
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

/** The exit code of the command's outcome; a defect is printed (it is a bug) and gives 1. */
const exitCodeOf = (exit: Exit.Exit<void, unknown>, onSignal: number): Effect.Effect<number> => {
  if (Exit.isSuccess(exit)) return Effect.succeed(0)
  if (Cause.isInterruptedOnly(exit.cause)) return Effect.succeed(onSignal)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && failure.value instanceof ExitCode) return Effect.succeed(failure.value.code)
  if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return Effect.succeed(2)
  const defect = Option.getOrElse(failure, () => Cause.squash(exit.cause))
  return say(`internal error: ${defect instanceof Error ? defect.stack ?? defect.message : String(defect)}`, true).pipe(Effect.as(1))
}

/**
 * Runs the CLI on `argv` (`process.argv`) and gives the exit code. `color: false` (the
 * entrypoint's choice: output not a terminal, or NO_COLOR set) prints the help without styling.
 *
 * A signal interrupts this fiber, and the runtime reports an interrupted fiber as a clean stop
 * (exit 0) whatever it returns: a code other than 0 then leaves as an `ExitCode` failure, which
 * an interruption does not hide — a delivery that failed is exit 1, signal or not.
 */
export const main = (
  argv: ReadonlyArray<string>,
  options: { readonly color?: boolean } = {}
): Effect.Effect<number, ExitCode, CliApp.CliApp.Environment> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const onSignal = yield* Ref.make(0)
      const current = yield* Effect.console
      // `--log-level` before or after the command: taken out here, so @effect/cli never refuses
      // it after the command, and set for the whole command, where it wins over log_level.
      const taken = takeLogLevel(argv)
      if (Either.isLeft(taken)) {
        yield* say(taken.left)
        return 2
      }
      const { argv: args, level } = taken.right
      const command = (options.color === false ? Effect.withConsole(cli(args), plainConsole(current)) : cli(args)).pipe(
        Effect.provideService(ExitOnSignal, onSignal),
        Effect.locally(logLevelFlag, level)
      )
      const exit = yield* Effect.exit(restore(command))
      const code = yield* exitCodeOf(exit, yield* Ref.get(onSignal))
      if (code !== 0 && Exit.isFailure(exit) && Cause.isInterrupted(exit.cause)) return yield* new ExitCode({ code })
      return code
    })
  )
