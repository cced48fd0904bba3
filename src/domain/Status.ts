/**
 * The status rules of DESIGN.md: pure functions from what GitHub answered to a Verdict, and from
 * a target's verdicts to the service check level and the message a person on call reads.
 */
import type { Conclusion, SourceId, Target } from "./Target.ts"
import { targetKey } from "./Target.ts"
import type { FailingItem, SourceVerdict, Verdict } from "./Verdict.ts"
import { failing, passingWith } from "./Verdict.ts"

/** The parts of GitHub's answers the rules read (REST and GraphQL map onto these). */
export interface CommitStatusInput {
  readonly state: string
  readonly statuses: ReadonlyArray<{ readonly context: string; readonly state: string; readonly target_url?: string | null | undefined }>
}
export interface CheckRunInput {
  readonly name: string
  readonly status: string
  readonly conclusion: string | null
  readonly html_url?: string | null | undefined
  readonly details_url?: string | null | undefined
}
export interface CheckSuiteInput {
  readonly status: string | null
  readonly conclusion: string | null
  readonly name: string
  readonly latest_check_runs_count?: number | undefined
  readonly url?: string | undefined
}

const link = (...urls: ReadonlyArray<string | null | undefined>): string | undefined => urls.find((u) => !!u) ?? undefined

/**
 * Commit status fails when the combined state is `failure` (GitHub folds `error` into it).
 * `pending` — also a commit with no statuses at all — is not failing.
 */
export const commitStatusVerdict = (combined: CommitStatusInput): Verdict => {
  if (combined.state !== "failure") {
    return passingWith(
      combined.state !== "pending"
        ? []
        : combined.statuses.length === 0
        ? ["no commit status reported yet"]
        : combined.statuses.filter((s) => s.state === "pending").map((s) => s.context)
    )
  }
  const items = combined.statuses
    .filter((s) => s.state === "failure" || s.state === "error")
    .map((s): FailingItem => ({ name: s.context, conclusion: s.state, url: link(s.target_url) }))
  return failing(items.length > 0 ? items : [{ name: "combined status", conclusion: "failure" }])
}

const failsOn = (failOn: ReadonlyArray<Conclusion>, conclusion: string | null): boolean =>
  conclusion !== null && (failOn as ReadonlyArray<string>).includes(conclusion)

/** A check run fails when its conclusion is in the target's `fail_on`; runs still going have none. */
export const checkRunsVerdict = (runs: ReadonlyArray<CheckRunInput>, failOn: ReadonlyArray<Conclusion>): Verdict => {
  const items = runs
    .filter((r) => failsOn(failOn, r.conclusion))
    .map((r): FailingItem => ({ name: r.name, conclusion: r.conclusion ?? "", url: link(r.html_url, r.details_url) }))
  return items.length > 0 ? failing(items) : passingWith(runs.filter((r) => r.conclusion === null).map((r) => r.name))
}

/** A suite fails like a run; a suite queued with no check runs (an app that never starts) is ignored. */
export const checkSuitesVerdict = (suites: ReadonlyArray<CheckSuiteInput>, failOn: ReadonlyArray<Conclusion>): Verdict => {
  const items = suites
    .filter((s) => !(s.status === "queued" && s.latest_check_runs_count === 0))
    .filter((s) => failsOn(failOn, s.conclusion))
    .map((s): FailingItem => ({ name: s.name, conclusion: s.conclusion ?? "", url: s.url }))
  return items.length > 0 ? failing(items) : passingWith([])
}

export type Level = "ok" | "failing" | "unknown"

/** `failing` if any source fails; else `unknown` if any could not tell; else `ok`. */
export const targetLevel = (verdicts: ReadonlyArray<SourceVerdict>): Level =>
  verdicts.some((v) => v.verdict._tag === "Failing")
    ? "failing"
    : verdicts.some((v) => v.verdict._tag === "Unknown")
    ? "unknown"
    : "ok"

/** Datadog service check levels: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export type CheckStatus = 0 | 1 | 2 | 3

export const checkStatus = (level: Level, failingStatus: 1 | 2): CheckStatus =>
  level === "ok" ? 0 : level === "failing" ? failingStatus : 3

export const sourceLabel: Readonly<Record<SourceId, string>> = {
  status: "commit status",
  check_runs: "check runs",
  check_suites: "check suites"
}

/** Datadog shows only the first 500 characters of a service check message. */
export const MESSAGE_LIMIT = 500

/**
 * Joins parts with `sep` while they fit in `limit`, then says how many were left out
 * ("… and 12 more"). The first parts are the most useful, so they are the ones kept.
 */
export const fitParts = (head: string, parts: ReadonlyArray<string>, sep: string, limit = MESSAGE_LIMIT): string => {
  const cut = (text: string, room: number) => (text.length <= room ? text : text.slice(0, Math.max(0, room - 1)) + "…")
  let out = head
  for (let i = 0; i < parts.length; i++) {
    const rest = parts.length - i - 1
    const piece = (i === 0 ? "" : sep) + parts[i]
    const tail = rest > 0 ? ` … and ${rest} more` : ""
    if ((out + piece + tail).length <= limit) {
      out += piece
      continue
    }
    // The first part is the most useful one: cut it rather than lose it, if any of it fits.
    if (i === 0 && out.length + 1 < limit - tail.length) return cut(out + piece, limit - tail.length) + tail
    const more = ` … and ${parts.length - i} more`
    return cut(out, limit - more.length) + more
  }
  return cut(out, limit)
}

const describeItem = (i: FailingItem): string => `${i.name} (${i.conclusion})${i.url ? ` ${i.url}` : ""}`

/**
 * The line a person on call reads: what fails, with links, first; then which sources could not
 * tell and why. Never a secret: only names, states, links and reasons reach it.
 */
export const checkMessage = (target: Target, verdicts: ReadonlyArray<SourceVerdict>): string => {
  const key = targetKey(target)
  const level = targetLevel(verdicts)
  // Sources that failed the same way (a missing repository, a bad token) are named once.
  const byDetail = new Map<string, Array<string>>()
  for (const v of verdicts) {
    if (v.verdict._tag === "Unknown") byDetail.set(v.verdict.detail, [...(byDetail.get(v.verdict.detail) ?? []), sourceLabel[v.source]])
  }
  const unknowns = [...byDetail].map(([detail, labels]) => `${labels.join(", ")}: ${detail}`)
  if (level === "ok") {
    const pending = [...new Set(verdicts.flatMap((v) => (v.verdict._tag === "Passing" ? v.verdict.pending ?? [] : [])))]
    return pending.length > 0
      ? fitParts(`No failures on ${key}; still running: `, pending, ", ")
      : fitParts(`CI passing on ${key} (${verdicts.map((v) => sourceLabel[v.source]).join(", ")})`, [], "")
  }
  if (level === "unknown") {
    return fitParts(`Could not tell the CI state of ${key}: `, unknowns, "; ")
  }
  const items = verdicts.flatMap((v) => (v.verdict._tag === "Failing" ? v.verdict.items : []))
  const parts = [...items.map(describeItem), ...unknowns.map((u) => `(also unknown: ${u})`)]
  return fitParts(`CI failing on ${key}: `, parts, ", ")
}
