/**
 * The progress line a person at a terminal sees while a cycle runs: targets answered of all,
 * GitHub requests sent, time so far — redrawn in place (`\r`, clear line) at most once a second,
 * and cleared when the cycle ends, so the lines that stay are the summary's. Never drawn when
 * stderr is not a terminal (a pipe, a CI log, a file) or with `--quiet`.
 */
import { Clock, Effect, Ref, Schedule } from "effect"
import type { Scope } from "effect"
import type { Target } from "../domain/Target.ts"
import { enabledSources } from "../domain/Target.ts"
import { clearTransientLine, setTransientLine } from "../runtime/Log.ts"
import type { StatusSource } from "../sources/StatusSource.ts"
import { formatMillis } from "./Output.ts"

/** Where the line is drawn: stderr, written as is (no newline added). */
export interface ProgressOutput {
  readonly write: (text: string) => void
}

export interface ProgressState {
  readonly answered: number
  readonly total: number
  readonly requests: number
  readonly elapsedMillis: number
}

/** Carriage return, then erase the whole line (ANSI EL 2): the next text starts on a clean line. */
export const CLEAR_LINE = "\r\u001b[2K"

/** `github-ci-monitor: 120 of 1,000 targets answered, 360 GitHub requests, 12.0 s` */
export const renderProgress = (p: ProgressState): string =>
  `github-ci-monitor: ${p.answered.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} target${p.total === 1 ? "" : "s"} answered, ` +
  `${p.requests.toLocaleString("en-US")} GitHub request${p.requests === 1 ? "" : "s"}, ${formatMillis(p.elapsedMillis)}`

/**
 * Counts the targets answered: a target is answered once every source it enables has given its
 * result. The sources are wrapped, not changed: each result is counted as it comes.
 */
export const answeredCounter = (targets: ReadonlyArray<Target>) =>
  Effect.map(Ref.make(0), (answered) => {
    const waiting = new Map<Target, number>()
    for (const t of targets) waiting.set(t, enabledSources(t).length)
    const answer = (t: Target) =>
      Effect.suspend(() => {
        const left = waiting.get(t)
        if (left === undefined) return Effect.void
        if (left > 1) {
          waiting.set(t, left - 1)
          return Effect.void
        }
        waiting.delete(t)
        return Ref.update(answered, (n) => n + 1)
      })
    const wrap = (sources: ReadonlyArray<StatusSource>): ReadonlyArray<StatusSource> =>
      sources.map((source) => ({
        ...source,
        check: (batch) => Effect.tap(source.check(batch), () => Effect.forEach(batch, answer, { discard: true }))
      }))
    return { answered: Ref.get(answered), total: targets.length, wrap }
  })

/**
 * Draws the line in the scope's lifetime: first after one second (a quick cycle shows none),
 * then once a second while it changes; cleared when the scope closes.
 */
export const drawProgress = (
  output: ProgressOutput,
  read: (elapsedMillis: number) => Effect.Effect<ProgressState>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    let last = ""
    let drawn = false
    const draw = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const text = renderProgress(yield* read(now - startedAt))
      if (text === last && drawn) return
      last = text
      output.write(`${CLEAR_LINE}${text}`)
      drawn = true
      // A log line written while the line is drawn erases it first; the next tick draws it again.
      setTransientLine(() => {
        drawn = false
        output.write(CLEAR_LINE)
      })
    })
    yield* Effect.addFinalizer(() => Effect.sync(clearTransientLine))
    yield* Effect.forkScoped(Effect.delay(Effect.repeat(draw, Schedule.spaced("1 second")), "1 second"))
  })
