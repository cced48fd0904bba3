/**
 * The three sources (commit status, check runs, check suites) over GitHub's GraphQL API. The
 * cycle asks each source for its own batches, as it does over REST; here the three share one
 * query per batch: the first source to ask for a target starts the query for its whole batch
 * (reading what every enabled source of each target needs), and the other sources' asks for the
 * same targets wait for that answer instead of asking again. Connections longer than a page
 * (100) and annotated tags are read in follow-up queries, batched the same way.
 */
import { Array as Arr, Deferred, Effect, Either, Exit, FiberId, Layer } from "effect"
import type { Scope } from "effect"
import { checkRunsVerdict, checkSuitesVerdict, commitStatusVerdict } from "../domain/Status.ts"
import type { SourceId, Target } from "../domain/Target.ts"
import { enabledSources, sourceIds, targetKey } from "../domain/Target.ts"
import type { Verdict } from "../domain/Verdict.ts"
import type { GraphQLAnswer } from "../github/GitHubClient.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import { GitHubError } from "../github/GitHubError.ts"
import type { Ask, CommitState } from "./GraphQLQuery.ts"
import { alias, buildQuery, errorsFor, firstAsk, QueryData, readAnswer } from "./GraphQLQuery.ts"
import type { SourceResult, StatusSource } from "./StatusSource.ts"
import { StatusSources } from "./StatusSource.ts"

export type StateResult = Either.Either<CommitState, GitHubError>

/** Targets per query unless configured (`graphql_batch_size`): 50 targets cost 1 point. */
export const DEFAULT_BATCH_SIZE = 50

/** Rounds of follow-up queries for one target (pages of 100): like REST's page limit. */
const MAX_ROUNDS = 50

/**
 * The jobs in groups that may share a query: all together, or — when the credential depends on
 * the owner (a GitHub App without `installation_id`) — one group per owner.
 */
const byOwner = <J extends { readonly ask: Ask }>(jobs: ReadonlyArray<J>, perOwner: boolean): ReadonlyArray<ReadonlyArray<J>> => {
  if (!perOwner) return jobs.length > 0 ? [jobs] : []
  const groups = new Map<string, Array<J>>()
  for (const job of jobs) {
    const owner = job.ask.target.owner.toLowerCase()
    const group = groups.get(owner)
    if (group) group.push(job)
    else groups.set(owner, [job])
  }
  return [...groups.values()]
}

const unexpected = (detail: string) => new GitHubError({ reason: "unexpected_response", detail })

interface Job {
  readonly ask: Ask
  /** What earlier pages gave. */
  readonly before: CommitState | undefined
  readonly done: Deferred.Deferred<StateResult>
}

/** A follow-up that could not be read fails the sources it was reading for; the rest stands. */
const failedFollowUp = (job: Job, error: GitHubError): StateResult => {
  if (job.before === undefined || job.ask.status) return Either.left(error)
  const failed = { ...job.before.failed }
  if (job.ask.rollup !== undefined) failed.check_runs ??= error
  if (job.ask.suites !== undefined) failed.check_suites ??= error
  return Either.right({ ...job.before, failed })
}

/**
 * Runs the queries. A batch of targets is asked at once; what needs another round (a tag's
 * commit, the next page of a connection) waits in one queue shared by every batch, and goes out
 * when a full batch of it is ready or no query is running any more — so the follow-ups of all the
 * batches of a cycle share queries instead of costing one query (and one point) per batch.
 * Queries run in `scope` and complete each target's `done` whoever still waits for it.
 */
export const makeBatcher = (
  github: Pick<GitHubClient["Type"], "graphql"> & { readonly credentialsPerOwner?: boolean | undefined },
  batchSize: number,
  scope: Scope.Scope
) => {
  const size = Math.max(1, batchSize)
  const perOwner = github.credentialsPerOwner === true
  let inFlight = 0
  const pending: Array<Job> = []

  const settle = (jobs: ReadonlyArray<Job>, answer: Either.Either<GraphQLAnswer<Record<string, unknown>>, GitHubError>) =>
    jobs.forEach((job, j) => {
      const complete = (result: StateResult) => Deferred.unsafeDone(job.done, Exit.succeed(result))
      if (Either.isLeft(answer)) return complete(failedFollowUp(job, answer.left))
      const reading = readAnswer(job.ask, answer.right.data[alias(j)], errorsFor(answer.right.errors, alias(j)), job.before)
      switch (reading._tag) {
        case "Failed":
          return complete(failedFollowUp(job, reading.error))
        case "Tag":
          return job.ask.at._tag === "Oid"
            ? complete(Either.left(unexpected(`ref ${job.ask.target.ref} is a tag of a tag`)))
            : pending.push({ ask: firstAsk(job.ask.target, { _tag: "Oid", oid: reading.oid }), before: undefined, done: job.done })
        case "Commit": {
          if (reading.nextRollup === undefined && reading.nextSuites === undefined) return complete(Either.right(reading.state))
          const rounds = (job.ask.round ?? 0) + 1
          if (rounds >= MAX_ROUNDS) {
            return complete(failedFollowUp({ ...job, before: reading.state, ask: { ...job.ask, status: false } }, unexpected(`more than ${MAX_ROUNDS} pages of checks; stopped following`)))
          }
          // Later pages come from the same commit, even if the branch moves meanwhile.
          return pending.push({
            ask: {
              target: job.ask.target,
              at: { _tag: "Oid", oid: reading.state.oid },
              status: false,
              round: rounds,
              ...(reading.nextRollup !== undefined ? { rollup: reading.nextRollup } : {}),
              ...(reading.nextSuites !== undefined ? { suites: reading.nextSuites } : {})
            },
            before: reading.state,
            done: job.done
          })
        }
      }
    })

  const start = (jobs: ReadonlyArray<Job>): Effect.Effect<void> =>
    Effect.suspend(() => {
      inFlight++
      const { query, variables } = buildQuery(jobs.map((j) => j.ask))
      return github.graphql(query, variables, QueryData, jobs[0]?.ask.target.owner).pipe(
        Effect.either,
        Effect.flatMap((answer) => Effect.sync(() => settle(jobs, answer))),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            inFlight--
            // Interrupted (the layer closing): nobody is left to answer, so say so.
            if (Exit.isFailure(exit)) {
              jobs.forEach((job) => Deferred.unsafeDone(job.done, Exit.succeed(Either.left(new GitHubError({ reason: "timeout", detail: "the GraphQL query was cut short" })))))
            }
            return flush
          })
        ),
        Effect.withSpan("GraphQLSources.query", { attributes: { targets: jobs.length } }),
        Effect.forkIn(scope),
        Effect.asVoid
      )
    })

  /** Full batches of follow-ups at once; the rest when no query could add to them any more. */
  const flush: Effect.Effect<void> = Effect.suspend(() => {
    const batches: Array<ReadonlyArray<Job>> = []
    const idle = inFlight === 0
    const waiting = pending.splice(0, pending.length)
    for (const group of byOwner(waiting, perOwner)) {
      const rest = [...group]
      while (rest.length >= size) batches.push(rest.splice(0, size))
      if (idle && rest.length > 0) batches.push(rest)
      else pending.push(...rest)
    }
    return Effect.forEach(batches, start, { discard: true })
  })

  /** Asks for the targets (in batches), completing each one's `done` when all its pages are in. */
  const submit = (jobs: ReadonlyArray<readonly [Target, Deferred.Deferred<StateResult>]>): Effect.Effect<void> =>
    Effect.forEach(
      byOwner(jobs.map(([target, done]): Job => ({ ask: firstAsk(target), before: undefined, done })), perOwner)
        .flatMap((group) => Arr.chunksOf(group, size)),
      start,
      { discard: true }
    )

  return { submit }
}

/**
 * Everything the targets' enabled sources need, one state per target in order: one query per
 * `batchSize` targets, then follow-ups for tags and further pages until every page is in.
 */
export const fetchStates = (
  github: Pick<GitHubClient["Type"], "graphql"> & { readonly credentialsPerOwner?: boolean | undefined },
  batchSize: number
) =>
(targets: ReadonlyArray<Target>): Effect.Effect<ReadonlyArray<StateResult>> =>
  Effect.scoped(Effect.gen(function*() {
    const batcher = makeBatcher(github, batchSize, yield* Effect.scope)
    const jobs = targets.map((t) => [t, Deferred.unsafeMake<StateResult>(FiberId.none)] as const)
    yield* batcher.submit(jobs)
    return yield* Effect.forEach(jobs, ([, done]) => Deferred.await(done))
  }))

/** The verdict of one source from its target's commit state. */
export const verdictOf = (source: SourceId, target: Target, state: CommitState): Either.Either<Verdict, GitHubError> => {
  const failed = state.failed[source]
  if (failed) return Either.left(failed)
  const missing = () => Either.left(unexpected(`GraphQL gave no ${source} for this target`))
  switch (source) {
    case "status":
      return state.status ? Either.right(commitStatusVerdict(state.status)) : missing()
    case "check_runs":
      return state.runs ? Either.right(checkRunsVerdict(state.runs, target.failOn)) : missing()
    case "check_suites":
      return state.suites ? Either.right(checkSuitesVerdict(state.suites, target.failOn)) : missing()
  }
}

interface Entry {
  readonly deferred: Deferred.Deferred<StateResult>
  /** The sources that will ask for this target: its enabled ones. */
  readonly expected: number
  /** The sources that asked for it so far. */
  readonly takenBy: Set<SourceId>
}

/**
 * Shares each target's commit state among the sources that ask for it in one cycle: the first
 * ask for a target fetches it (with the other new targets of its batch), the other sources' asks
 * take the same answer — however late the cycle gets to them — and the entry goes once every
 * enabled source has taken it. A source asking again for a target it took already means a new
 * cycle (each source asks once per target and cycle): what is left of the last one (a cycle cut
 * short by its deadline) is dropped, never reused.
 */
export const makeCommitStates = (
  submit: (jobs: ReadonlyArray<readonly [Target, Deferred.Deferred<StateResult>]>) => Effect.Effect<void>
) => {
  const entries = new Map<string, Entry>()

  const claim = (source: SourceId, targets: ReadonlyArray<Target>) =>
    Effect.sync(() => {
      const mine: Array<readonly [Target, Entry]> = []
      const all = targets.map((t) => {
        const key = targetKey(t)
        const existing = entries.get(key)
        if (existing && !existing.takenBy.has(source)) {
          existing.takenBy.add(source)
          return existing
        }
        const entry: Entry = {
          deferred: Deferred.unsafeMake<StateResult>(FiberId.none),
          expected: Math.max(1, enabledSources(t).length),
          takenBy: new Set([source])
        }
        entries.set(key, entry)
        mine.push([t, entry])
        return entry
      })
      return { all, mine }
    })

  const release = (targets: ReadonlyArray<Target>, all: ReadonlyArray<Entry>) =>
    Effect.sync(() =>
      targets.forEach((t, i) => {
        const entry = all[i]
        const key = targetKey(t)
        if (entry && entry.takenBy.size >= entry.expected && entries.get(key) === entry) entries.delete(key)
      })
    )

  const demand = (source: SourceId, targets: ReadonlyArray<Target>): Effect.Effect<ReadonlyArray<StateResult>> =>
    Effect.acquireUseRelease(
      claim(source, targets),
      ({ all, mine }) =>
        Effect.zipRight(
          mine.length > 0 ? submit(mine.map(([t, entry]) => [t, entry.deferred] as const)) : Effect.void,
          Effect.forEach(all, (entry) => Deferred.await(entry.deferred))
        ),
      ({ all }) => release(targets, all)
    )

  return { demand, size: () => entries.size }
}

/** One of the three sources, reading its verdict from the shared commit states. */
const source = (
  id: SourceId,
  batchSize: number,
  states: ReturnType<typeof makeCommitStates>
): StatusSource => ({
  id,
  batchSize,
  check: (targets) =>
    states.demand(id, targets).pipe(
      Effect.map((results) =>
        results.map((r, i): SourceResult => Either.flatMap(r, (state) => verdictOf(id, targets[i]!, state)))
      ),
      Effect.withSpan(`StatusSource.graphql.${id}`, { attributes: { targets: targets.length } })
    )
})

export interface GraphQLOptions {
  /** Targets per query (`graphql_batch_size`). */
  readonly batchSize: number
}

/** The three sources over GraphQL, sharing one query per batch of targets. */
export const makeGraphQLSources = (options: GraphQLOptions) =>
  Effect.gen(function*() {
    const github = yield* GitHubClient
    const batcher = makeBatcher(github, options.batchSize, yield* Effect.scope)
    const states = makeCommitStates(batcher.submit)
    return sourceIds.map((id) => source(id, options.batchSize, states))
  })

export const GraphQLSources = (options: GraphQLOptions) => Layer.scoped(StatusSources, makeGraphQLSources(options))
