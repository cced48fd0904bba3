/**
 * One interface for every place a target's CI state comes from. A source takes a batch of
 * targets — the REST sources fetch each one, a GraphQL source can answer many per request — and
 * gives one result per target, in order. A failure concerns its own target only; the cycle turns
 * it into an unknown verdict (status 3) at one place.
 */
import { Context, Effect, Either } from "effect"
import type { SourceId, Target } from "../domain/Target.ts"
import type { Verdict } from "../domain/Verdict.ts"
import type { GitHubError } from "../github/GitHubError.ts"

export type SourceResult = Either.Either<Verdict, GitHubError>

export interface StatusSource {
  readonly id: SourceId
  /**
   * How many targets one call of `check` should get: 1 for a source that asks per target,
   * more for one that answers many targets per request. The cycle splits batches to this size
   * so that, at the deadline, every answer already in is kept.
   */
  readonly batchSize: number
  readonly check: (targets: ReadonlyArray<Target>) => Effect.Effect<ReadonlyArray<SourceResult>>
}

/** The sources in use; the cycle asks each for the targets that enable it. */
export class StatusSources extends Context.Tag("github-ci-monitor/StatusSources")<
  StatusSources,
  ReadonlyArray<StatusSource>
>() {}

/**
 * A source that asks GitHub once per target. Targets run side by side: the GitHub client bounds
 * how many requests are in flight.
 */
export const perTarget = (
  id: SourceId,
  fetch: (target: Target) => Effect.Effect<Verdict, GitHubError>
): StatusSource => ({
  id,
  batchSize: 1,
  check: (targets) =>
    Effect.forEach(targets, (t) => Effect.either(fetch(t)), { concurrency: "unbounded" }).pipe(
      Effect.withSpan(`StatusSource.${id}`, { attributes: { targets: targets.length } })
    )
})

/** `/repos/{owner}/{repo}/commits/{ref}` with every part encoded (refs may hold slashes). */
export const commitPath = (t: Target): string =>
  `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/commits/${encodeURIComponent(t.ref)}`

