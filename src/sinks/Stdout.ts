/**
 * Prints the checks instead of sending them: a table for a person, or one JSON object per line
 * (exactly Datadog's payload) for a script. Both go through the scrubber, and neither lets a
 * text from GitHub drive the terminal: a check name is hostile until shown harmless.
 */
import { Console, Effect, Layer } from "effect"
import { scrub } from "../domain/Scrub.ts"
import type { ServiceCheck } from "./Sink.ts"
import { checkTarget, Sink } from "./Sink.ts"

export type OutputFormat = "table" | "json"

const statusLabel = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const

/**
 * What a terminal would act on or a reader could not see: C0 controls (ESC starts clear-screen,
 * title and hyperlink sequences; CR and LF forge lines), DEL, C1 controls (0x9b is a one-byte
 * CSI), the Unicode line and paragraph separators, and the bidi controls that reorder what is
 * shown (overrides, embeddings, isolates, marks).
 */
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const unsafeButNewline = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }
const escape = (ch: string): string => {
  const code = ch.charCodeAt(0)
  return named[ch] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`)
}

/** `text` with every control character shown as an escape (`\x1b`, `\r`, `\n`, `\u2028`): one line, nothing a terminal acts on. */
export const visible = (text: string): string => text.replace(unsafe, escape)

/** As `visible`, but the line breaks of a text of several lines (a stack trace) are kept. */
export const visibleLines = (text: string): string => text.replace(unsafeButNewline, escape)

/** Scrubbed, then one visible line: for any text the CLI prints on a line of its own. */
export const printable = (text: string): string => visible(scrub(text))

/** Scrubbed, then visible, keeping line breaks: for a text of several lines. */
export const printableLines = (text: string): string => visibleLines(scrub(text))

/**
 * JSON text with the characters JSON.stringify leaves raw escaped too (U+2028 and U+2029 end a
 * line in JavaScript and in many log viewers; C1 and bidi controls reach a terminal). They can
 * only stand inside strings of JSON.stringify's output, where `\uXXXX` means the same.
 */
export const jsonSafe = (json: string): string =>
  json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) =>
    `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * Columns padded to their widest cell, two spaces apart; the last is left whole (links stay
 * clickable). Every cell is made visible first, so one row is one line.
 */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const shown = rows.map((r) => r.map(visible))
  const widths = shown[0]?.map((_, c) => Math.max(...shown.map((r) => r[c]?.length ?? 0))) ?? []
  return shown.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ")).join("\n")
}

/** The checks as a table for a person. */
export const formatTable = (checks: ReadonlyArray<ServiceCheck>): string =>
  table([
    ["STATUS", "TARGET", "MESSAGE"],
    ...checks.map((c) => [`${statusLabel[c.status]} (${c.status})`, scrub(checkTarget(c) ?? `(${c.check})`), scrub(c.message)])
  ])

/** The checks as Datadog takes them, one per line: scrubbed, and nothing raw a terminal or a line reader acts on. */
export const formatJsonLines = (checks: ReadonlyArray<ServiceCheck>): string =>
  checks.map((c) => jsonSafe(scrub(JSON.stringify(c)))).join("\n")

export const stdoutSink = (format: OutputFormat) =>
  Sink.of({
    deliver: (checks) =>
      Console.log(format === "json" ? formatJsonLines(checks) : formatTable(checks)).pipe(
        Effect.as({ destination: "stdout", delivered: checks.length, failures: [] })
      )
  })

export const StdoutSink = (format: OutputFormat) => Layer.succeed(Sink, stdoutSink(format))
