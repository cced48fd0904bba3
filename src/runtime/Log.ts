/**
 * Logs go to stderr as `github-ci-monitor: …` lines, so stdout carries only the output a script
 * reads (the table or JSON lines). Every line is scrubbed, and its control characters are shown
 * as escapes: a text from GitHub can neither drive the terminal nor forge a log line.
 */
import { Cause, HashMap, Layer, Logger, LogLevel } from "effect"
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

const stderrLogger = Logger.make(({ annotations, cause, logLevel, message }) => {
  const text = printable((Array.isArray(message) ? message : [message]).map(String).join(" "))
  const level = logLevel._tag === "Info" ? "" : `${logLevel.label.toLowerCase()}: `
  const extra = HashMap.size(annotations) > 0
    ? " " + [...HashMap.entries(annotations)].map(([k, v]) => `${printable(k)}=${printable(jsonSafe(JSON.stringify(v) ?? String(v)))}`).join(" ")
    : ""
  // A cause is several lines (its stack): those breaks stay, any other control is escaped.
  const why = Cause.isEmpty(cause) ? "" : `\n${printableLines(Cause.pretty(cause))}`
  globalThis.console.error(`github-ci-monitor: ${level}${text}${extra}${why}`)
})

export const StderrLogger = (level: LogLevel.LogLevel) =>
  Layer.merge(Logger.replace(Logger.defaultLogger, stderrLogger), Logger.minimumLogLevel(level))
