/**
 * Logs go to stderr as `github-ci-monitor: …` lines, so stdout carries only the output a script
 * reads (the table or JSON lines). Every line is scrubbed, and its control characters are shown
 * as escapes: a text from GitHub can neither drive the terminal nor forge a log line.
 */
import { Cause, Effect, Either, FiberRef, HashMap, Layer, Logger, LogLevel } from "effect"
import { jsonSafe, printable, printableLines } from "../sinks/Stdout.ts"

export const parseLogLevel = (level: string | undefined): LogLevel.LogLevel => {
  switch (level) {
    case "trace":
      return LogLevel.Trace
    case "debug":
      return LogLevel.Debug
    case "warn":
    case "warning":
      return LogLevel.Warning
    case "error":
    case "fatal":
    case "panic":
      return LogLevel.Error
    default:
      return LogLevel.Info
  }
}

/** How to erase the line drawn in place on stderr now (the progress line), if one is drawn. */
let transientLine: (() => void) | undefined

/** Registers the line just drawn in place on stderr: it is erased before the next line is written. */
export const setTransientLine = (clear: () => void): void => {
  transientLine = clear
}

/** Erases the line drawn in place, if any: what is written next starts on a clean line. */
export const clearTransientLine = (): void => {
  const clear = transientLine
  transientLine = undefined
  clear?.()
}

const stderrLogger = Logger.make(({ annotations, cause, logLevel, message }) => {
  const text = printable((Array.isArray(message) ? message : [message]).map(String).join(" "))
  const level = logLevel._tag === "Info" ? "" : `${logLevel.label.toLowerCase()}: `
  const extra = HashMap.size(annotations) > 0
    ? " " + [...HashMap.entries(annotations)].map(([k, v]) => `${printable(k)}=${printable(jsonSafe(JSON.stringify(v) ?? String(v)))}`).join(" ")
    : ""
  // A cause is several lines (its stack): those breaks stay, any other control is escaped.
  const why = Cause.isEmpty(cause) ? "" : `\n${printableLines(Cause.pretty(cause))}`
  clearTransientLine()
  globalThis.console.error(`github-ci-monitor: ${level}${text}${extra}${why}`)
})

/**
 * `--log-level`, when given on the command line: it wins over `log_level` in the file. Set
 * around the whole command, so every logger built under it (run's, serve's) reads it.
 */
export const logLevelFlag = FiberRef.unsafeMake<LogLevel.LogLevel | undefined>(undefined)

/** The names `--log-level` takes: @effect/cli's (as its help lists them) and the file's. */
const flagLevels: Record<string, LogLevel.LogLevel> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

/**
 * Takes `--log-level LEVEL` (or `--log-level=LEVEL`) out of the arguments, wherever it is:
 * before the command or after it. The last one given wins; a level that is not one of
 * `flagLevels` is a usage error. `argv[0]` and `argv[1]` (runtime and script) are kept as they are.
 */
export const takeLogLevel = (
  argv: ReadonlyArray<string>
): Either.Either<{ readonly argv: ReadonlyArray<string>; readonly level: LogLevel.LogLevel | undefined }, string> => {
  const kept = argv.slice(0, 2)
  let level: LogLevel.LogLevel | undefined
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg !== "--log-level" && !arg.startsWith("--log-level=")) {
      kept.push(arg)
      continue
    }
    const given = arg === "--log-level" ? argv[++i] : arg.slice("--log-level=".length)
    const found = given === undefined ? undefined : flagLevels[given.toLowerCase()]
    if (found === undefined) {
      return Either.left(
        `--log-level: ${given === undefined ? "give a level" : `${JSON.stringify(given.slice(0, 50))} is not a level`}; one of ${Object.keys(flagLevels).join(", ")}`
      )
    }
    level = found
  }
  return Either.right({ argv: kept, level })
}

/**
 * Log lines on stderr, from `level` up — or from `--log-level`'s level when the command line
 * gave one (`logLevelFlag`): the flag wins over the file.
 */
export const StderrLogger = (level: LogLevel.LogLevel) =>
  Layer.unwrapEffect(
    Effect.map(FiberRef.get(logLevelFlag), (flag) =>
      Layer.merge(Logger.replace(Logger.defaultLogger, stderrLogger), Logger.minimumLogLevel(flag ?? level)))
  )
