/**
 * Logs go to stderr as `github-ci-monitor: …` lines, so stdout carries only the output a script
 * reads (the table or JSON lines).
 */
import { Cause, HashMap, Layer, Logger, LogLevel } from "effect"

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
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  const level = logLevel._tag === "Info" ? "" : `${logLevel.label.toLowerCase()}: `
  const extra = HashMap.size(annotations) > 0
    ? " " + [...HashMap.entries(annotations)].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")
    : ""
  const why = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause)}`
  globalThis.console.error(`github-ci-monitor: ${level}${text}${extra}${why}`)
})

export const StderrLogger = (level: LogLevel.LogLevel) =>
  Layer.merge(Logger.replace(Logger.defaultLogger, stderrLogger), Logger.minimumLogLevel(level))
