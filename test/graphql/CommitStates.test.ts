/**
 * The sharing of one answer among the three sources: one fetch per target and cycle, however the
 * cycle orders or spaces the sources' asks, and never an answer of an earlier cycle.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Exit, Fiber } from "effect"
import type { Target } from "../../src/domain/Target.ts"
import type { CommitState } from "../../src/sources/GraphQLQuery.ts"
import type { StateResult } from "../../src/sources/GraphQLSources.ts"
import { makeCommitStates } from "../../src/sources/GraphQLSources.ts"
import { target } from "./support.ts"

/** A fetcher that answers each target with the number of its fetch, and counts the fetches. */
const counting = () => {
  const fetched: Array<ReadonlyArray<string>> = []
  const submit = (jobs: ReadonlyArray<readonly [Target, Deferred.Deferred<StateResult>]>) =>
    Effect.sync(() => {
      fetched.push(jobs.map(([t]) => t.repo))
      const n = fetched.length
      for (const [, done] of jobs) Deferred.unsafeDone(done, Exit.succeed(Either.right({ oid: String(n), url: "u", failed: {} } as CommitState)))
    })
  return { fetched, submit }
}
const oids = (results: ReadonlyArray<StateResult>) => results.map((r) => Either.getOrThrow(r).oid)

const batch = [target("acme/a@main"), target("acme/b@main"), target("acme/c@main", { sources: ["status"] })]

describe("makeCommitStates", () => {
  it.effect("the three sources asking one after another share one fetch; the entries go when all took them", () =>
    Effect.gen(function*() {
      const { fetched, submit } = counting()
      const states = makeCommitStates(submit)
      expect(oids(yield* states.demand("status", batch))).toEqual(["1", "1", "1"])
      expect(oids(yield* states.demand("check_runs", batch.slice(0, 2)))).toEqual(["1", "1"])
      expect(states.size()).toBe(2)
      expect(oids(yield* states.demand("check_suites", batch.slice(0, 2)))).toEqual(["1", "1"])
      expect(fetched).toEqual([["a", "b", "c"]])
      expect(states.size()).toBe(0)
    }))

  it.effect("the next cycle fetches again", () =>
    Effect.gen(function*() {
      const { fetched, submit } = counting()
      const states = makeCommitStates(submit)
      for (let cycle = 1; cycle <= 3; cycle++) {
        for (const source of ["status", "check_runs", "check_suites"] as const) {
          expect(oids(yield* states.demand(source, batch.filter((t) => t.sources[source])))).toEqual(
            batch.filter((t) => t.sources[source]).map(() => String(cycle))
          )
        }
      }
      expect(fetched).toHaveLength(3)
    }))

  it.effect("a cycle cut short leaves nothing that the next cycle would reuse", () =>
    Effect.gen(function*() {
      const { fetched, submit } = counting()
      const states = makeCommitStates(submit)
      // Cycle 1 reaches only the commit status source (its deadline cuts the rest).
      yield* states.demand("status", batch)
      // Cycle 2: a fresh answer for every source.
      expect(oids(yield* states.demand("status", batch))).toEqual(["2", "2", "2"])
      expect(oids(yield* states.demand("check_runs", batch.slice(0, 2)))).toEqual(["2", "2"])
      expect(fetched).toHaveLength(2)
    }))

  it.effect("sources asking at the same time wait for the one fetch in flight", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let fetches = 0
      const states = makeCommitStates((jobs) =>
        Effect.gen(function*() {
          fetches++
          yield* Effect.fork(Deferred.await(gate).pipe(Effect.zipRight(Effect.sync(() =>
            jobs.forEach(([, done]) => Deferred.unsafeDone(done, Exit.succeed(Either.right({ oid: "x", url: "u", failed: {} }))))
          ))))
        })
      )
      const a = yield* Effect.fork(states.demand("status", batch))
      const b = yield* Effect.fork(states.demand("check_runs", batch.slice(0, 2)))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(oids(yield* Fiber.join(a))).toEqual(["x", "x", "x"])
      expect(oids(yield* Fiber.join(b))).toEqual(["x", "x"])
      expect(fetches).toBe(1)
    }))
})
