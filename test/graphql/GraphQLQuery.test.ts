/** The query text and the reading of answers, without a server: GraphQL's shapes onto REST's inputs. */
import { describe, expect, it } from "@effect/vitest"
import { parse } from "graphql"
import { graphqlUrlOf } from "../../src/github/GitHubClient.ts"
import { buildQuery, firstAsk, readAnswer, sourcesOfError, toCommitStatus } from "../../src/sources/GraphQLQuery.ts"
import { githubSchema, queryCost } from "../support/FakeGitHubGraphQL.ts"
import { target } from "./support.ts"

const commit = (over: Record<string, unknown> = {}) => ({
  object: {
    __typename: "Commit",
    oid: "abc",
    url: "https://github.com/acme/api/commit/abc",
    status: null,
    statusCheckRollup: null,
    checkSuites: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    ...over
  }
})

describe("graphqlUrlOf", () => {
  it.each([
    ["https://api.github.com", "https://api.github.com/graphql"],
    ["https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"],
    ["https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"]
  ])("%s → %s", (api, graphql) => expect(graphqlUrlOf(api)).toBe(graphql))
})

describe("buildQuery", () => {
  it("asks per target only what its sources need, and costs what the module says", () => {
    const asks = [
      firstAsk(target("acme/a@main")),
      firstAsk(target("acme/b@main", { sources: ["status"] })),
      firstAsk(target("acme/c@release/v2", { sources: ["check_suites"] }))
    ]
    const { query, variables } = buildQuery(asks)
    const cost = queryCost(githubSchema(), parse(query), variables)
    expect(cost.problems).toEqual([])
    // a: rollup + suites; b: nothing but the free status list; c: suites.
    expect(cost.requests).toBe(3)
    expect(variables).toMatchObject({ o2: "acme", n2: "c", e2: "release/v2" })
  })

  it("50 targets with every source cost 1 point; 100 cost 2; nodes stay far under 500,000", () => {
    const of = (n: number) => {
      const { query, variables } = buildQuery(Array.from({ length: n }, (_, i) => firstAsk(target(`acme/r${i}@main`))))
      return queryCost(githubSchema(), parse(query), variables)
    }
    expect(of(50)).toMatchObject({ requests: 100, cost: 1, nodes: 10_000 })
    expect(of(100)).toMatchObject({ requests: 200, cost: 2, nodes: 20_000 })
  })
})

describe("readAnswer", () => {
  const ask = firstAsk(target("acme/api@main"))

  it("no statuses at all is REST's pending with none; ERROR folds into failure; EXPECTED is pending", () => {
    expect(toCommitStatus(null)).toEqual({ state: "pending", statuses: [] })
    expect(toCommitStatus({ state: "ERROR", contexts: [{ context: "a", state: "ERROR", targetUrl: null }] })).toEqual({
      state: "failure",
      statuses: [{ context: "a", state: "error", target_url: null }]
    })
    expect(toCommitStatus({ state: "EXPECTED", contexts: [{ context: "b", state: "EXPECTED" }] }).statuses[0]?.state).toBe("pending")
  })

  it("maps check runs and suites onto REST's fields, skipping the rollup's status contexts", () => {
    const reading = readAnswer(ask, commit({
      statusCheckRollup: {
        contexts: {
          pageInfo: { hasNextPage: false, endCursor: null },
          nodes: [
            { __typename: "StatusContext" },
            { __typename: "CheckRun", name: "build", status: "IN_PROGRESS", conclusion: null, detailsUrl: null, permalink: "https://github.com/acme/api/runs/1" }
          ]
        }
      },
      checkSuites: { pageInfo: { hasNextPage: true, endCursor: "Y3Vyc29y" }, nodes: [{ databaseId: 7, status: "QUEUED", conclusion: null, app: null }] }
    }), [], undefined)
    expect(reading).toMatchObject({
      _tag: "Commit",
      nextSuites: "Y3Vyc29y",
      state: {
        runs: [{ name: "build", status: "in_progress", conclusion: null, html_url: "https://github.com/acme/api/runs/1", details_url: null }],
        suites: [{ name: "check suite 7", status: "queued", conclusion: null, url: "https://github.com/acme/api/commit/abc/checks" }]
      }
    })
  })

  it("a repository GitHub could not resolve is not_found; an unresolved ref too", () => {
    expect(readAnswer(ask, null, [{ message: "Could not resolve", type: "NOT_FOUND", path: ["t0"] }], undefined)).toMatchObject({
      _tag: "Failed",
      error: { reason: "not_found" }
    })
    expect(readAnswer(ask, { object: null }, [], undefined)).toMatchObject({ _tag: "Failed", error: { reason: "not_found", detail: "ref not found (no commit found for main)" } })
  })

  it("a tree or blob is not a commit; an answer of the wrong shape is unexpected", () => {
    expect(readAnswer(ask, { object: { __typename: "Tree" } }, [], undefined)).toMatchObject({ _tag: "Failed", error: { reason: "unexpected_response" } })
    expect(readAnswer(ask, { object: { __typename: "Commit" } }, [], undefined)).toMatchObject({ _tag: "Failed", error: { reason: "unexpected_response" } })
    expect(readAnswer(ask, "nonsense", [], undefined)).toMatchObject({ _tag: "Failed", error: { reason: "unexpected_response" } })
  })

  it("an error deeper in the commit fails the source that reads that field", () => {
    expect(sourcesOfError({ message: "x", path: ["t0", "object", "checkSuites"] })).toEqual(["check_suites"])
    expect(sourcesOfError({ message: "x", path: ["t0", "object", "statusCheckRollup", "contexts"] })).toEqual(["check_runs"])
    expect(sourcesOfError({ message: "x", path: ["t0", "object", "status"] })).toEqual(["status"])
    const reading = readAnswer(ask, commit({ checkSuites: null }), [{ message: "Resource not accessible by integration", type: "FORBIDDEN", path: ["t0", "object", "checkSuites"] }], undefined)
    expect(reading._tag === "Commit" && reading.state.failed.check_suites?.reason).toBe("forbidden")
    expect(reading._tag === "Commit" && reading.nextSuites).toBe(undefined)
  })
})
