/**
 * A Target is one `owner/repo@ref` watched with its enabled sources and its own tags.
 * Pure data: nothing here does I/O.
 */
export type SourceId = "status" | "check_runs" | "check_suites"

export const sourceIds: ReadonlyArray<SourceId> = ["status", "check_runs", "check_suites"]

/** The conclusions GitHub documents for check runs and suites. */
export const conclusions = [
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "stale",
  "startup_failure",
  "timed_out"
] as const
export type Conclusion = (typeof conclusions)[number]

/** What counts as failing when a target says nothing else (DESIGN.md, Status rules). */
export const defaultFailOn: ReadonlyArray<Conclusion> = ["failure", "timed_out", "startup_failure", "action_required"]

export interface Target {
  readonly owner: string
  readonly repo: string
  /** Reported exactly as configured; may contain slashes (`release/v2`). */
  readonly ref: string
  readonly sources: Readonly<Record<SourceId, boolean>>
  readonly failOn: ReadonlyArray<Conclusion>
  /** `key:value` tags: the global ones, then the target's own. */
  readonly tags: ReadonlyArray<string>
}

export const targetKey = (t: Pick<Target, "owner" | "repo" | "ref">): string => `${t.owner}/${t.repo}@${t.ref}`

export const enabledSources = (t: Target): ReadonlyArray<SourceId> => sourceIds.filter((s) => t.sources[s])
