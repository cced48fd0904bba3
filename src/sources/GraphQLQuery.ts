/**
 * The GraphQL queries of the GraphQL sources and the reading of their answers: one aliased
 * `repository { object }` per target, asking only what the target's enabled sources need, and
 * the mapping of the answer onto the same inputs the REST sources give the status rules — so a
 * target gets the same status and message either way.
 *
 * Cost (GitHub's formula: each connection costs one request per node of the connections around
 * it; the sum divided by 100, rounded, at least 1): `Commit.status.contexts` is a list, not a
 * connection, so it is free; `statusCheckRollup.contexts(first: 100)` and `checkSuites(first:
 * 100)` are one request each. A target with all three sources costs 2 requests, so a batch of 50
 * costs 1 point and 1,000 targets cost 20 points in 20 queries. Nested `checkSuites { checkRuns }`
 * would cost 1 + N per target instead, which is why check runs come from the rollup (each run of
 * the rollup is the latest of its name, like REST's default `filter=latest`).
 * Nodes: at most 200 per target (100 rollup contexts + 100 suites), far under the 500,000 limit.
 */
import { Either, Schema } from "effect"
import type { CheckRunInput, CheckSuiteInput, CommitStatusInput } from "../domain/Status.ts"
import type { SourceId, Target } from "../domain/Target.ts"
import { GitHubError } from "../github/GitHubError.ts"
import type { GraphQLError } from "../github/GitHubClient.ts"

/** Items per page of a connection: GitHub's maximum. */
export const PAGE_SIZE = 100

/** Where a target's commit is read from: its ref as given, or (for later pages and tags) a commit id. */
export type Locator = { readonly _tag: "Expression"; readonly expression: string } | { readonly _tag: "Oid"; readonly oid: string }

/** What one alias of a query asks for one target. */
export interface Ask {
  readonly target: Target
  readonly at: Locator
  /** `Commit.status` (free). */
  readonly status: boolean
  /** Rollup contexts after this cursor (`null`: the first page); absent: not asked. */
  readonly rollup?: string | null | undefined
  /** Check suites after this cursor (`null`: the first page); absent: not asked. */
  readonly suites?: string | null | undefined
  /** How many pages were read before this one. */
  readonly round?: number | undefined
}

const pageInfo = "pageInfo { hasNextPage endCursor }"
const rollupFields = (after: boolean, i: number) =>
  `statusCheckRollup { contexts(first: ${PAGE_SIZE}${after ? `, after: $c${i}` : ""}) { ${pageInfo} nodes { __typename ... on CheckRun { name status conclusion detailsUrl permalink } } } }`
const suiteFields = (after: boolean, i: number) =>
  `checkSuites(first: ${PAGE_SIZE}${after ? `, after: $d${i}` : ""}) { ${pageInfo} nodes { databaseId status conclusion app { name slug } } }`

/** The alias of the i-th target of a query. */
export const alias = (i: number) => `t${i}`

/** One query for the asks (in order), with `rateLimit` so GitHub reports what it cost. */
export const buildQuery = (asks: ReadonlyArray<Ask>): { readonly query: string; readonly variables: Record<string, unknown> } => {
  const declarations: Array<string> = []
  const variables: Record<string, unknown> = {}
  const fields = asks.map((ask, i) => {
    declarations.push(`$o${i}: String!`, `$n${i}: String!`)
    variables[`o${i}`] = ask.target.owner
    variables[`n${i}`] = ask.target.repo
    let object: string
    if (ask.at._tag === "Expression") {
      declarations.push(`$e${i}: String!`)
      variables[`e${i}`] = ask.at.expression
      object = `object(expression: $e${i})`
    } else {
      declarations.push(`$s${i}: GitObjectID!`)
      variables[`s${i}`] = ask.at.oid
      object = `object(oid: $s${i})`
    }
    const parts = ["oid", "url"]
    if (ask.status) parts.push("status { state contexts { context state targetUrl } }")
    if (ask.rollup !== undefined) {
      if (ask.rollup !== null) {
        declarations.push(`$c${i}: String`)
        variables[`c${i}`] = ask.rollup
      }
      parts.push(rollupFields(ask.rollup !== null, i))
    }
    if (ask.suites !== undefined) {
      if (ask.suites !== null) {
        declarations.push(`$d${i}: String`)
        variables[`d${i}`] = ask.suites
      }
      parts.push(suiteFields(ask.suites !== null, i))
    }
    // An annotated tag points at a commit: read its id here, the commit in a second round.
    return `${alias(i)}: repository(owner: $o${i}, name: $n${i}) { ${object} { __typename ... on Commit { ${
      parts.join(" ")
    } } ... on Tag { target { __typename oid } } } }`
  })
  return {
    query: `query(${declarations.join(", ")}) { rateLimit { cost remaining resetAt } ${fields.join(" ")} }`,
    variables
  }
}

/** The first round for a target: its ref, and every connection its sources need from the start. */
export const firstAsk = (target: Target, at: Locator = { _tag: "Expression", expression: target.ref }): Ask => ({
  target,
  at,
  status: target.sources.status,
  ...(target.sources.check_runs ? { rollup: null } : {}),
  ...(target.sources.check_suites ? { suites: null } : {})
})

// --- the answer ----------------------------------------------------------------------------------

/**
 * The answer's schemas, built when first used: with `api: rest` they never are (building a
 * schema is part of a cold start, `npm run bench`).
 */
const makeAnswerSchemas = () => {
  const PageInfo = Schema.Struct({ hasNextPage: Schema.Boolean, endCursor: Schema.NullOr(Schema.String) })
  const opt = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })
  const Str = Schema.NullOr(Schema.String)

  const RollupNode = Schema.Struct({
    __typename: Schema.String,
    name: opt(Schema.String),
    status: opt(Schema.String),
    conclusion: opt(Str),
    detailsUrl: opt(Str),
    permalink: opt(Str)
  })
  const Suite = Schema.Struct({
    databaseId: opt(Schema.NullOr(Schema.Number)),
    status: Schema.String,
    conclusion: Str,
    app: opt(Schema.NullOr(Schema.Struct({ name: Schema.String, slug: opt(Schema.String) })))
  })
  const CommitObject = Schema.Struct({
    __typename: Schema.Literal("Commit"),
    oid: Schema.String,
    url: Schema.String,
    status: opt(Schema.NullOr(Schema.Struct({
      state: Schema.String,
      contexts: Schema.Array(Schema.Struct({ context: Schema.String, state: Schema.String, targetUrl: opt(Str) }))
    }))),
    statusCheckRollup: opt(Schema.NullOr(Schema.Struct({
      contexts: Schema.Struct({ pageInfo: PageInfo, nodes: Schema.NullOr(Schema.Array(Schema.NullOr(RollupNode))) })
    }))),
    checkSuites: opt(Schema.NullOr(Schema.Struct({ pageInfo: PageInfo, nodes: Schema.NullOr(Schema.Array(Schema.NullOr(Suite))) })))
  })
  const TagObject = Schema.Struct({
    __typename: Schema.Literal("Tag"),
    target: Schema.NullOr(Schema.Struct({ __typename: Schema.String, oid: opt(Schema.String) }))
  })
  const OtherObject = Schema.Struct({ __typename: Schema.String })
  /** One alias of the answer: the repository (null when GitHub could not resolve it) and its object. */
  const RepositoryAnswer = Schema.NullOr(Schema.Struct({
    object: Schema.NullOr(Schema.Union(CommitObject, TagObject, OtherObject))
  }))
  return { RepositoryAnswer, CommitObject, RollupNode, Suite, PageInfo }
}
let answerSchemasBuilt: ReturnType<typeof makeAnswerSchemas> | undefined
const answerSchemas = () => (answerSchemasBuilt ??= makeAnswerSchemas())
export type RepositoryAnswer = AnswerSchemas["RepositoryAnswer"]["Type"]
type AnswerSchemas = ReturnType<typeof makeAnswerSchemas>
type CommitObject = AnswerSchemas["CommitObject"]["Type"]
type RollupNode = AnswerSchemas["RollupNode"]["Type"]
type Suite = AnswerSchemas["Suite"]["Type"]
type PageInfo = AnswerSchemas["PageInfo"]["Type"]

/** The data of a query: `rateLimit` and one entry per alias, each decoded on its own. */
export const QueryData = Schema.Record({ key: Schema.String, value: Schema.Unknown })

// --- mapping onto the status rules' inputs -------------------------------------------------------

/** `FAILURE` → `failure`; GraphQL's enums are REST's values in capitals. */
const lower = (s: string | null | undefined): string | null => (s === null || s === undefined ? null : s.toLowerCase())

/**
 * GraphQL's combined state may say `ERROR` where REST folds it into `failure`; `EXPECTED` (a
 * required context not reported yet) is REST's `pending`.
 */
const combinedState = (state: string): string => {
  const s = state.toLowerCase()
  return s === "error" ? "failure" : s === "expected" ? "pending" : s
}

/** No statuses at all: GraphQL says `status: null`, REST says `pending` with none. */
export const toCommitStatus = (status: CommitObject["status"]): CommitStatusInput =>
  status
    ? {
      state: combinedState(status.state),
      statuses: status.contexts.map((c) => ({
        context: c.context,
        state: c.state.toLowerCase() === "expected" ? "pending" : c.state.toLowerCase(),
        target_url: c.targetUrl ?? null
      }))
    }
    : { state: "pending", statuses: [] }

/** The rollup's check runs (its status contexts are read from `Commit.status` instead). */
export const toCheckRuns = (nodes: ReadonlyArray<RollupNode | null> | null): ReadonlyArray<CheckRunInput> =>
  (nodes ?? []).flatMap((n) =>
    n && n.__typename === "CheckRun" && n.name !== undefined
      ? [{
        name: n.name,
        status: lower(n.status) ?? "completed",
        conclusion: lower(n.conclusion),
        html_url: n.permalink ?? null,
        details_url: n.detailsUrl ?? null
      }]
      : []
  )

/**
 * Suites as REST's CheckSuites source reads them. The suite's page is the commit's checks page,
 * as over REST. `latest_check_runs_count` is not read (it would cost a connection per suite): it
 * only matters for a queued suite, and a queued suite has no conclusion, so it never fails.
 */
export const toCheckSuites = (
  commitUrl: string,
  nodes: ReadonlyArray<Suite | null> | null
): ReadonlyArray<CheckSuiteInput> =>
  (nodes ?? []).flatMap((s) =>
    s
      ? [{
        status: lower(s.status),
        conclusion: lower(s.conclusion),
        name: s.app?.name ?? s.app?.slug ?? `check suite ${s.databaseId ?? "?"}`,
        url: `${commitUrl}/checks`
      }]
      : []
  )

// --- errors --------------------------------------------------------------------------------------

/** The errors GitHub pinned on alias `name` (its path starts with it). */
export const errorsFor = (errors: ReadonlyArray<GraphQLError>, name: string): ReadonlyArray<GraphQLError> =>
  errors.filter((e) => e.path?.[0] === name)

/** Which sources an error deeper in a commit concerns: the field on its path says. */
export const sourcesOfError = (e: GraphQLError): ReadonlyArray<SourceId> => {
  const path = e.path ?? []
  if (path.includes("statusCheckRollup")) return ["check_runs"]
  if (path.includes("checkSuites")) return ["check_suites"]
  if (path.includes("status")) return ["status"]
  return ["status", "check_runs", "check_suites"]
}

/** A GraphQL error as the typed error of its target (or of one of its sources). */
export const toGitHubError = (e: GraphQLError): GitHubError => {
  switch (e.type) {
    case "NOT_FOUND":
      return new GitHubError({
        reason: "not_found",
        detail: "not found: the repository does not exist or the token cannot see it"
      })
    case "FORBIDDEN":
      return new GitHubError({
        reason: "forbidden",
        detail: `forbidden (${e.message}): the token needs read access to checks and commit statuses`
      })
    case "RATE_LIMITED":
      return new GitHubError({ reason: "rate_limited", detail: `GraphQL rate limited (${e.message})` })
    default:
      return new GitHubError({ reason: "unexpected_response", detail: `GitHub GraphQL error: ${e.message}` })
  }
}

/** What a target's commit gave so far; what a source needs is there once every page is in. */
export interface CommitState {
  readonly oid: string
  readonly url: string
  readonly status?: CommitStatusInput | undefined
  readonly runs?: ReadonlyArray<CheckRunInput> | undefined
  readonly suites?: ReadonlyArray<CheckSuiteInput> | undefined
  /** A part of the commit GitHub could not give (e.g. checks the token may not read). */
  readonly failed: Partial<Record<SourceId, GitHubError>>
}

/** What one alias of an answer means for its target. */
export type Reading =
  | { readonly _tag: "Failed"; readonly error: GitHubError }
  /** An annotated tag: read the commit it points at. */
  | { readonly _tag: "Tag"; readonly oid: string }
  | {
    readonly _tag: "Commit"
    readonly state: CommitState
    /** Cursors of the pages still to read. */
    readonly nextRollup?: string | undefined
    readonly nextSuites?: string | undefined
  }

const failedWith = (error: GitHubError): Reading => ({ _tag: "Failed", error })

/**
 * Reads alias `name` of an answer for `ask`, adding to what earlier pages gave (`before`).
 * Repository not resolved → not_found; ref not resolved → not_found; a field that failed →
 * an error for the sources that read it.
 */
export const readAnswer = (
  ask: Ask,
  raw: unknown,
  errors: ReadonlyArray<GraphQLError>,
  before: CommitState | undefined
): Reading => {
  const decoded = Schema.decodeUnknownEither(answerSchemas().RepositoryAnswer)(raw)
  if (Either.isLeft(decoded)) {
    return failedWith(new GitHubError({ reason: "unexpected_response", detail: "unexpected response from /graphql: the commit's fields do not match" }))
  }
  const repo = decoded.right
  // An error on the repository or its object concerns the whole target; deeper, its sources.
  const whole = errors.find((e) => (e.path?.length ?? 0) <= 2)
  if (repo === null || whole !== undefined) {
    return failedWith(
      whole !== undefined || errors[0] !== undefined
        ? toGitHubError(whole ?? errors[0]!)
        : new GitHubError({ reason: "not_found", detail: "not found: the repository does not exist or the token cannot see it" })
    )
  }
  const object = repo.object
  const ref = ask.at._tag === "Expression" ? ask.at.expression : ask.at.oid
  if (object === null) {
    return failedWith(new GitHubError({ reason: "not_found", detail: `ref not found (no commit found for ${ref})` }))
  }
  if (object.__typename === "Tag" && "target" in object) {
    return object.target?.__typename === "Commit" && object.target.oid
      ? { _tag: "Tag", oid: object.target.oid }
      : failedWith(new GitHubError({ reason: "unexpected_response", detail: `ref ${ref} is a tag that does not point at a commit` }))
  }
  if (object.__typename === "Commit" && !("oid" in object)) {
    return failedWith(new GitHubError({ reason: "unexpected_response", detail: "unexpected response from /graphql: the commit's fields do not match" }))
  }
  if (object.__typename !== "Commit" || !("oid" in object)) {
    return failedWith(
      new GitHubError({ reason: "unexpected_response", detail: `ref ${ref} names a ${object.__typename.toLowerCase()}, not a commit` })
    )
  }
  const failed: Partial<Record<SourceId, GitHubError>> = { ...before?.failed }
  for (const e of errors) for (const s of sourcesOfError(e)) failed[s] ??= toGitHubError(e)
  const rollup = object.statusCheckRollup?.contexts
  const suites = object.checkSuites
  const state: CommitState = {
    oid: object.oid,
    url: object.url,
    status: ask.status ? toCommitStatus(object.status ?? null) : before?.status,
    runs: ask.rollup !== undefined ? [...(before?.runs ?? []), ...toCheckRuns(rollup?.nodes ?? null)] : before?.runs,
    suites: ask.suites !== undefined
      ? [...(before?.suites ?? []), ...toCheckSuites(object.url, suites?.nodes ?? null)]
      : before?.suites,
    failed
  }
  const next = (info: PageInfo | undefined) =>
    info?.hasNextPage && info.endCursor ? info.endCursor : undefined
  return {
    _tag: "Commit",
    state,
    nextRollup: ask.rollup !== undefined && failed.check_runs === undefined ? next(rollup?.pageInfo) : undefined,
    nextSuites: ask.suites !== undefined && failed.check_suites === undefined ? next(suites?.pageInfo ?? undefined) : undefined
  }
}
