import { scrub } from "./Scrub.ts"
import type { SourceId } from "./Target.ts"

/** One item that makes a source fail: a status context, a check run or a check suite. */
export interface FailingItem {
  readonly name: string
  /** A check conclusion, or a commit status state (`failure`, `error`). */
  readonly conclusion: string
  readonly url?: string | undefined
}

/** Why a source could not tell. The reasons a person on call can act on differently. */
export type UnknownReason =
  | "not_found"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "timeout"
  | "server_error"
  | "transport"
  | "unexpected_response"

export type Verdict =
  | { readonly _tag: "Passing"; readonly pending?: ReadonlyArray<string> | undefined }
  | { readonly _tag: "Failing"; readonly items: ReadonlyArray<FailingItem> }
  | { readonly _tag: "Unknown"; readonly reason: UnknownReason; readonly detail: string }

/**
 * Everything a verdict keeps comes from GitHub and is cut here, where it is made: a check name
 * or context to 200 characters, a link or a reason to 500. Nothing larger is kept or shown.
 */
export const NAME_LIMIT = 200
export const DETAIL_LIMIT = 500
export const cut = (text: string, limit: number): string => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`)

/** Scrubbed before it is cut: a secret across the cut would otherwise leave its first part. */
const kept = (text: string, limit: number): string => cut(scrub(text), limit)

export const passing: Verdict = { _tag: "Passing" }
/** Nothing fails, but these are still running (or, for commit status, have not reported). */
export const passingWith = (pending: ReadonlyArray<string>): Verdict =>
  pending.length > 0 ? { _tag: "Passing", pending: pending.map((p) => kept(p, NAME_LIMIT)) } : passing
export const failing = (items: ReadonlyArray<FailingItem>): Verdict => ({
  _tag: "Failing",
  items: items.map((i) => ({
    name: kept(i.name, NAME_LIMIT),
    conclusion: kept(i.conclusion, 40),
    url: i.url === undefined ? undefined : kept(i.url, DETAIL_LIMIT)
  }))
})
export const unknown = (reason: UnknownReason, detail: string): Verdict => ({ _tag: "Unknown", reason, detail: kept(detail, DETAIL_LIMIT) })

/** The verdict of one source for one target. */
export interface SourceVerdict {
  readonly source: SourceId
  readonly verdict: Verdict
}
