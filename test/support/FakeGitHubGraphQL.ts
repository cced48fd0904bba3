/**
 * GitHub's GraphQL API, faked: queries are parsed, validated and executed with graphql-js
 * against GitHub's real public schema (`@octokit/graphql-schema`), so a query GitHub would
 * reject fails here too. The answers come from the same data the fake REST API serves (REST
 * shapes mapped to GraphQL's), and each query's `rateLimit.cost` follows GitHub's documented
 * formula: every connection costs one request per node of the connections around it, the sum
 * divided by 100 and rounded, at least 1. GitHub's own limits are enforced: `first`/`last` on
 * every connection, 1 to 100, and at most 500,000 nodes per query.
 */
import { schema as published } from "@octokit/graphql-schema"
import {
  buildSchema,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  validate,
  execute
} from "graphql"
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode
} from "graphql"

let cached: GraphQLSchema | undefined
/**
 * GitHub's public schema. Its SDL repeats two fields of an enterprise type (a GitHub quirk that
 * graphql-js's SDL check rejects), so the SDL check is skipped; the schema itself is validated
 * when a query runs.
 */
export const githubSchema = (): GraphQLSchema =>
  (cached ??= buildSchema(published.idl, { assumeValidSDL: true }))

// --- the data, in REST's shapes, as FakeGitHub serves it ------------------------------------------

type Obj = Record<string, unknown>

export interface FakeCommit {
  readonly owner: string
  readonly repo: string
  readonly ref: string
  readonly sha: string
  /** An annotated tag in GraphQL (REST resolves tags to their commit anyway). */
  readonly annotatedTag?: boolean | undefined
  /** `GET …/status`, `…/check-runs` and `…/check-suites` as the REST fake answers them. */
  readonly status: () => { state: string; statuses: ReadonlyArray<Obj> }
  readonly checkRuns: () => ReadonlyArray<Obj>
  readonly checkSuites: () => ReadonlyArray<Obj>
}

/** A field that fails for one target, as GitHub reports it (e.g. a token without checks access). */
export interface FieldError {
  readonly field: "repository" | "object" | "status" | "statusCheckRollup" | "checkSuites"
  readonly type: string
  readonly message: string
}

export interface GraphQLData {
  /** The repository (names are case-insensitive), or undefined when GitHub would not resolve it. */
  readonly repository: (owner: string, name: string) => { readonly owner: string; readonly repo: string } | undefined
  /** The commit a revision expression (a ref or a sha) names, if any. */
  readonly commit: (owner: string, repo: string, expression: string) => FakeCommit | undefined
  /** The commit with this id, if any. */
  readonly commitByOid: (owner: string, repo: string, oid: string) => FakeCommit | undefined
  /** A field error for `owner/repo@ref`, if the test asked for one. */
  readonly fieldError: (owner: string, repo: string, ref: string | undefined, field: FieldError["field"]) => FieldError | undefined
}

// --- cost ------------------------------------------------------------------------------------------

export interface Cost {
  /** GitHub's "requests": connections, each counted once per node of the connections around it. */
  readonly requests: number
  /** Rate-limit points: requests / 100, rounded, at least 1. */
  readonly cost: number
  /** Nodes the query may return: each connection's `first`/`last` times those around it. */
  readonly nodes: number
  readonly problems: ReadonlyArray<{ readonly type: string; readonly message: string }>
}

export const MAX_NODES = 500_000

/** GitHub's documented cost of a query (its first operation), with the variables' values. */
export const queryCost = (schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): Cost => {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f])
  )
  const problems: Array<{ type: string; message: string }> = []
  if (!operation) return { requests: 0, cost: 1, nodes: 0, problems: [{ type: "INVALID", message: "no operation" }] }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables)
  if (coerced.errors) return { requests: 0, cost: 1, nodes: 0, problems: coerced.errors.map((e) => ({ type: "INVALID", message: e.message })) }
  let requests = 0
  let nodes = 0
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, around: number) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent
        if (type && isCompositeType(type)) walk(selection.selectionSet, type, around)
        continue
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value)
        const type = fragment && schema.getType(fragment.typeCondition.name.value)
        if (fragment && type && isCompositeType(type)) walk(fragment.selectionSet, type, around)
        continue
      }
      if (!(isObjectType(parent) || isInterfaceType(parent))) continue
      const field = parent.getFields()[selection.name.value]
      if (!field) continue
      const type = getNamedType(field.type)
      let inner = around
      if (type.name.endsWith("Connection")) {
        const args = getArgumentValues(field, selection, coerced.coerced)
        const limit = (args["first"] ?? args["last"]) as number | undefined | null
        if (limit === undefined || limit === null) {
          problems.push({
            type: "MISSING_PAGINATION_BOUNDARIES",
            message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${field.name}\` connection.`
          })
        } else if (limit < 1 || limit > 100) {
          problems.push({
            type: "EXCESSIVE_PAGINATION",
            message: `Requesting ${limit} records on the \`${field.name}\` connection exceeds the \`${args["first"] !== undefined ? "first" : "last"}\` limit of 100 records.`
          })
        }
        requests += around
        nodes += around * (limit ?? 0)
        inner = around * Math.max(1, limit ?? 1)
      }
      if (selection.selectionSet && isCompositeType(type)) walk(selection.selectionSet, type, inner)
    }
  }
  const root = schema.getQueryType()
  if (root) walk(operation.selectionSet, root, 1)
  if (nodes > MAX_NODES) {
    problems.push({
      type: "MAX_NODE_LIMIT_EXCEEDED",
      message: `This query requests up to ${nodes.toLocaleString("en-US")} possible nodes which exceeds the maximum limit of 500,000.`
    })
  }
  return { requests, cost: Math.max(1, Math.round(requests / 100)), nodes, problems }
}

// --- REST shapes → GraphQL objects ------------------------------------------------------------------

const upper = (s: unknown): string | null => (typeof s === "string" ? s.toUpperCase() : null)
const cursorOf = (i: number) => Buffer.from(`cursor:${i}`).toString("base64")
const indexOf = (cursor: unknown): number => {
  if (typeof cursor !== "string") return -1
  const m = /^cursor:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"))
  return m ? Number(m[1]) : -1
}

/** A connection over `items`, paginated by first/after (or last/before) like GitHub's. */
const connection = <T>(items: ReadonlyArray<T>, args: Obj) => {
  let start = 0
  let end = items.length
  if (args["after"] !== undefined && args["after"] !== null) start = indexOf(args["after"]) + 1
  if (args["before"] !== undefined && args["before"] !== null) end = Math.max(0, indexOf(args["before"]))
  if (typeof args["first"] === "number") end = Math.min(end, start + args["first"])
  if (typeof args["last"] === "number") start = Math.max(start, end - args["last"])
  const page = items.slice(start, end)
  return {
    totalCount: items.length,
    nodes: page,
    edges: page.map((node, i) => ({ cursor: cursorOf(start + i), node })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: page.length > 0 ? cursorOf(start) : null,
      endCursor: page.length > 0 ? cursorOf(end - 1) : null
    }
  }
}

const fieldFailure = (e: FieldError) => new GraphQLError(e.message, { extensions: { type: e.type } })

/** GraphQL's Commit for a fake commit: only what a query reads is computed, when it is read. */
const commitObject = (data: GraphQLData, c: FakeCommit): Obj => {
  const web = `https://github.com/${c.owner}/${c.repo}`
  const failing = (field: FieldError["field"]) => data.fieldError(c.owner, c.repo, c.ref, field)
  const checkRuns = () =>
    c.checkRuns().map((r) => ({
      __typename: "CheckRun",
      id: `CR_${String(r["id"])}`,
      databaseId: r["id"],
      name: r["name"],
      status: upper(r["status"]),
      conclusion: upper(r["conclusion"]),
      detailsUrl: r["details_url"] ?? null,
      permalink: r["html_url"],
      url: r["html_url"],
      resourcePath: new URL(String(r["html_url"])).pathname
    }))
  return {
    __typename: "Commit",
    id: `C_${c.sha}`,
    oid: c.sha,
    abbreviatedOid: c.sha.slice(0, 7),
    url: `${web}/commit/${c.sha}`,
    commitUrl: `${web}/commit/${c.sha}`,
    resourcePath: `/${c.owner}/${c.repo}/commit/${c.sha}`,
    status: () => {
      const e = failing("status")
      if (e) throw fieldFailure(e)
      const combined = c.status()
      // GraphQL has no combined status for a commit with no statuses at all.
      if (combined.statuses.length === 0) return null
      return {
        id: `S_${c.sha}`,
        state: upper(combined.state),
        contexts: combined.statuses.map((s) => ({
          __typename: "StatusContext",
          id: `SC_${String(s["id"])}`,
          context: s["context"],
          state: upper(s["state"]),
          targetUrl: s["target_url"] ?? null,
          description: s["description"] ?? null
        }))
      }
    },
    statusCheckRollup: () => {
      const e = failing("statusCheckRollup")
      if (e) throw fieldFailure(e)
      const runs = checkRuns()
      const statuses = c.status().statuses
      if (runs.length === 0 && statuses.length === 0) return null
      const contexts = [
        ...statuses.map((s) => ({ __typename: "StatusContext", context: s["context"], state: upper(s["state"]), targetUrl: s["target_url"] ?? null })),
        ...runs
      ]
      const combined = c.status().state
      const failed = runs.some((r) => ["FAILURE", "TIMED_OUT", "STARTUP_FAILURE", "ACTION_REQUIRED", "CANCELLED"].includes(String(r.conclusion)))
      return {
        id: `R_${c.sha}`,
        state: failed || combined === "failure" ? "FAILURE" : runs.some((r) => r.conclusion === null) || combined === "pending" ? "PENDING" : "SUCCESS",
        contexts: (args: Obj) => connection(contexts, args)
      }
    },
    checkSuites: (args: Obj) => {
      const e = failing("checkSuites")
      if (e) throw fieldFailure(e)
      const suites = c.checkSuites().map((s) => {
        const app = s["app"] as Obj | null | undefined
        return {
          __typename: "CheckSuite",
          id: `CS_${String(s["id"])}`,
          databaseId: s["id"],
          status: upper(s["status"]),
          conclusion: upper(s["conclusion"]),
          app: app ? { id: `A_${String(app["id"])}`, name: app["name"], slug: app["slug"] } : null,
          url: `${web}/commit/${c.sha}/checks`,
          checkRuns: (runArgs: Obj) => connection(checkRuns(), runArgs)
        }
      })
      return connection(suites, args)
    }
  }
}

const objectFor = (data: GraphQLData, c: FakeCommit, asTag: boolean): Obj =>
  asTag && c.annotatedTag
    ? { __typename: "Tag", id: `T_${c.sha}`, name: c.ref, oid: `7a9${c.sha.slice(3)}`, target: commitObject(data, c) }
    : commitObject(data, c)

const repositoryObject = (data: GraphQLData, owner: string, repo: string): Obj => ({
  __typename: "Repository",
  id: `R_${owner}/${repo}`,
  name: repo,
  nameWithOwner: `${owner}/${repo}`,
  url: `https://github.com/${owner}/${repo}`,
  object: (args: Obj) => {
    const e = data.fieldError(owner, repo, typeof args["expression"] === "string" ? args["expression"] : undefined, "object")
    if (e) throw fieldFailure(e)
    if (typeof args["oid"] === "string") {
      const c = data.commitByOid(owner, repo, args["oid"])
      return c ? commitObject(data, c) : null
    }
    const c = typeof args["expression"] === "string" ? data.commit(owner, repo, args["expression"]) : undefined
    return c ? objectFor(data, c, true) : null
  }
})

// --- one request -----------------------------------------------------------------------------------

export interface GraphQLResult {
  readonly status: number
  readonly body: Obj
  /** The query's cost per GitHub's formula (0 when it did not run). */
  readonly cost: number
  readonly requests: number
  readonly nodes: number
}

const checked = new Map<string, { readonly document: DocumentNode; readonly invalid: ReadonlyArray<GraphQLError> }>()

export interface RateLimitState {
  readonly limit: number
  used: number
  readonly resetAt: Date
}

/**
 * Answers one POST /graphql body like GitHub: parse and validate against the real schema
 * (errors with no data when that fails), check pagination and node limits, then execute,
 * with errors for unresolved repositories (`NOT_FOUND`, data null for that alias) beside the data.
 */
export const answerGraphQL = (text: string, data: GraphQLData, rate: RateLimitState): GraphQLResult => {
  const schema = githubSchema()
  let request: { query?: unknown; variables?: unknown; operationName?: unknown }
  try {
    request = JSON.parse(text) as typeof request
  } catch {
    return { status: 400, body: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/graphql" }, cost: 0, requests: 0, nodes: 0 }
  }
  if (typeof request.query !== "string") {
    return { status: 200, body: { errors: [{ message: "A query attribute must be specified and must be a string." }] }, cost: 0, requests: 0, nodes: 0 }
  }
  let parsed = checked.get(request.query)
  if (parsed === undefined) {
    try {
      const document = parse(request.query)
      parsed = { document, invalid: validate(schema, document) }
    } catch (e) {
      const error = e as GraphQLError
      return { status: 200, body: { errors: [{ message: error.message, locations: error.locations }] }, cost: 0, requests: 0, nodes: 0 }
    }
    // The same query text comes again with other variables: parse and validate it once.
    if (checked.size > 500) checked.clear()
    checked.set(request.query, parsed)
  }
  const { document, invalid } = parsed
  if (invalid.length > 0) {
    return {
      status: 200,
      body: { errors: invalid.map((e) => ({ message: e.message, locations: e.locations, extensions: { code: "undefinedField" } })) },
      cost: 0,
      requests: 0,
      nodes: 0
    }
  }
  const variables = (typeof request.variables === "object" && request.variables !== null ? request.variables : {}) as Record<string, unknown>
  const cost = queryCost(schema, document, variables)
  if (cost.problems.length > 0) {
    return { status: 200, body: { errors: cost.problems.map((p) => ({ type: p.type, message: p.message })) }, cost: 0, requests: cost.requests, nodes: cost.nodes }
  }
  rate.used += cost.cost
  const rootValue = {
    rateLimit: () => ({
      cost: cost.cost,
      limit: rate.limit,
      nodeCount: cost.nodes,
      remaining: Math.max(0, rate.limit - rate.used),
      resetAt: rate.resetAt.toISOString(),
      used: rate.used
    }),
    repository: (args: Obj) => {
      const owner = String(args["owner"])
      const name = String(args["name"])
      const found = data.repository(owner, name)
      const e = data.fieldError(owner, name, undefined, "repository")
      if (e) throw fieldFailure(e)
      if (!found) throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: "NOT_FOUND" } })
      return repositoryObject(data, found.owner, found.repo)
    }
  }
  const result = execute({
    schema,
    document,
    rootValue,
    variableValues: variables,
    ...(typeof request.operationName === "string" ? { operationName: request.operationName } : {})
  }) as { data?: Obj | null; errors?: ReadonlyArray<GraphQLError> }
  // GitHub puts an error's `type` beside its message, not under `extensions`.
  const errors = result.errors?.map((e) => ({
    ...(typeof e.extensions?.["type"] === "string" ? { type: e.extensions["type"] } : {}),
    path: e.path,
    locations: e.locations,
    message: e.message
  }))
  return {
    status: 200,
    body: { data: result.data ?? null, ...(errors && errors.length > 0 ? { errors } : {}) },
    cost: cost.cost,
    requests: cost.requests,
    nodes: cost.nodes
  }
}
