/**
 * The board `serve` shows: the configured targets and the latest finished cycle, with when each
 * target entered its current state. Cycles write it in the background; every request only reads
 * it, so no scrape ever reaches GitHub.
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"
import type { Level } from "../domain/Status.ts"
import { commitStatusVerdict } from "../domain/Status.ts"
import type { Target } from "../domain/Target.ts"
import { targetKey } from "../domain/Target.ts"
import type { FailingItem, SourceVerdict, Verdict } from "../domain/Verdict.ts"
import type { CycleResult } from "../monitor.ts"
import type { DeliveryReport } from "../sinks/Sink.ts"
import { Sink } from "../sinks/Sink.ts"
import type { RequestCounts } from "./GitHubTraffic.ts"

export interface CycleRecord {
  readonly result: CycleResult
  /** When the cycle finished (epoch ms). */
  readonly finishedAt: number
  /** GitHub's `x-ratelimit-remaining` as last seen, if it said. */
  readonly rateLimitRemaining: number | undefined
  /** Requests sent to GitHub since start, by how they ended. */
  readonly requests: RequestCounts
}

export interface BoardState {
  readonly targets: ReadonlyArray<Target>
  /** Time between cycles (ms); `/healthz` fails when the last cycle is older than 3 of them. */
  readonly intervalMillis: number
  readonly startedAt: number
  readonly cycles: number
  readonly last: CycleRecord | undefined
  /** When each target (by `owner/repo@ref`) entered its current level (epoch ms). */
  readonly since: ReadonlyMap<string, number>
  /** The last cycle that did not finish, and why (a bug: cycles turn every error into status 3). */
  readonly lastFailure: { readonly at: number; readonly reason: string } | undefined
}

export const emptyBoard = (targets: ReadonlyArray<Target>, intervalMillis: number, startedAt: number): BoardState => ({
  targets,
  intervalMillis,
  startedAt,
  cycles: 0,
  last: undefined,
  since: new Map(),
  lastFailure: undefined
})

/** The board after a finished cycle: a target keeps its `since` while its level stays the same. */
export const recordCycle = (state: BoardState, record: CycleRecord): BoardState => {
  const before = new Map((state.last?.result.results ?? []).map((r) => [targetKey(r.target), r.level]))
  const since = new Map(record.result.results.map((r) => {
    const key = targetKey(r.target)
    const kept = before.get(key) === r.level ? state.since.get(key) : undefined
    return [key, kept ?? record.finishedAt] as const
  }))
  return { ...state, cycles: state.cycles + 1, last: record, since }
}

export const recordFailure = (state: BoardState, at: number, reason: string): BoardState => ({
  ...state,
  lastFailure: { at, reason }
})

export type Health =
  | { readonly healthy: true; readonly message: string }
  | { readonly healthy: false; readonly message: string }

const ago = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s ago`

/** Healthy while the last finished cycle is younger than three intervals. */
export const health = (state: BoardState, now: number): Health => {
  const limit = 3 * state.intervalMillis
  if (state.last === undefined) {
    return {
      healthy: false,
      message: `starting: the first cycle has not finished yet (started ${ago(now - state.startedAt)})`
    }
  }
  const age = now - state.last.finishedAt
  const counts = state.last.result.counts
  const summary = `${counts.ok} OK, ${counts.failing} failing, ${counts.unknown} unknown`
  return age < limit
    ? { healthy: true, message: `ok: last cycle finished ${ago(age)} (${summary})` }
    : {
      healthy: false,
      message: `stale: the last cycle finished ${ago(age)}, more than 3 intervals (${Math.round(limit / 1000)}s)` +
        (state.lastFailure ? `; last failure: ${state.lastFailure.reason}` : "")
    }
}

/** What the board knows of one target: its level (or `pending` before the first cycle). */
export interface TargetView {
  readonly target: Target
  readonly key: string
  readonly level: Level | "pending"
  readonly verdicts: ReadonlyArray<SourceVerdict>
  /** The service check message: the line a person on call reads. */
  readonly message: string
  readonly since: number | undefined
}

export const targetViews = (state: BoardState): ReadonlyArray<TargetView> => {
  const results = new Map((state.last?.result.results ?? []).map((r) => [targetKey(r.target), r]))
  return state.targets.map((target): TargetView => {
    const key = targetKey(target)
    const r = results.get(key)
    return r === undefined
      ? { target, key, level: "pending", verdicts: [], message: "not checked yet", since: undefined }
      : { target, key, level: r.level, verdicts: r.verdicts, message: r.check.message, since: state.since.get(key) }
  })
}

export const failingItems = (verdicts: ReadonlyArray<SourceVerdict>): ReadonlyArray<FailingItem> =>
  verdicts.flatMap((v) => (v.verdict._tag === "Failing" ? v.verdict.items : []))

export const unknownDetails = (verdicts: ReadonlyArray<SourceVerdict>): ReadonlyArray<string> => [
  ...new Set(verdicts.flatMap((v) => (v.verdict._tag === "Unknown" ? [v.verdict.detail] : [])))
]

/** The placeholder the commit status source reports for a commit with no statuses: not a running build. */
const noStatusYet = new Set(((v: Verdict) => (v._tag === "Passing" ? v.pending ?? [] : []))(commitStatusVerdict({ state: "pending", statuses: [] })))

/** The checks still running (queued or in progress); a commit with no statuses at all is not one. */
export const runningNames = (verdicts: ReadonlyArray<SourceVerdict>): ReadonlyArray<string> => [
  ...new Set(
    verdicts.flatMap((v) =>
      v.verdict._tag === "Passing" ? (v.verdict.pending ?? []).filter((name) => !(v.source === "status" && noStatusYet.has(name))) : []
    )
  )
]

export interface BoardShape {
  readonly get: Effect.Effect<BoardState>
  readonly update: (f: (state: BoardState) => BoardState) => Effect.Effect<void>
}

export class Board extends Context.Tag("github-ci-monitor/serve/Board")<Board, BoardShape>() {
  static readonly layer = (targets: ReadonlyArray<Target>, intervalMillis: number) =>
    Layer.effect(
      Board,
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        const ref = yield* Ref.make(emptyBoard(targets, intervalMillis, startedAt))
        return { get: Ref.get(ref), update: (f) => Ref.update(ref, f) }
      })
    )
}

/** `serve` sends nothing anywhere: the cycle's checks are kept on the board by the loop itself. */
export const ServedSink = Layer.succeed(
  Sink,
  Sink.of({
    deliver: (checks) =>
      Effect.succeed<DeliveryReport>({ destination: "the serve endpoints (nothing sent)", delivered: checks.length, failures: [] })
  })
)
