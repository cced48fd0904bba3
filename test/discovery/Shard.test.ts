/** Sharding partitions targets: every target in exactly one shard, stable, and about even. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { fnv1a, inShard, parseShard, shardKey, shardOf } from "../../src/domain/Shard.ts"

const targets = Array.from({ length: 10_000 }, (_, i) => ({
  owner: i % 7 === 0 ? "Acme" : "acme",
  repo: `service-${i}`,
  ref: i % 3 === 0 ? "release/v2" : "main"
}))

describe("fnv1a", () => {
  it("is FNV-1a 32 bit (published test vectors)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5)
    expect(fnv1a("a")).toBe(0xe40c292c)
    expect(fnv1a("foobar")).toBe(0xbf9cf968)
  })

  it("hashes UTF-8 bytes", () => {
    expect(fnv1a("é")).toBe(fnv1a("\u00e9"))
    expect(fnv1a("é")).not.toBe(fnv1a("e"))
  })
})

describe("shards", () => {
  it.each([1, 2, 3, 8, 16, 100])("%i shards: every target in exactly one, none left out, about even", (count) => {
    const seen = new Map<string, number>()
    const sizes = Array.from({ length: count }, () => 0)
    for (let index = 1; index <= count; index++) {
      for (const t of targets.filter(inShard({ index, count }))) {
        const key = `${t.owner}/${t.repo}@${t.ref}`
        expect(seen.has(key), `${key} in shards ${seen.get(key)} and ${index}`).toBe(false)
        seen.set(key, index)
        sizes[index - 1]!++
      }
    }
    expect(seen.size).toBe(targets.length)
    const even = targets.length / count
    for (const size of sizes) expect(Math.abs(size - even)).toBeLessThan(Math.max(40, even * 0.2))
  })

  it("holds for any targets and any shard count (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ owner: fc.string({ minLength: 1 }), repo: fc.string({ minLength: 1 }), ref: fc.string({ minLength: 1 }) }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 64 }),
        (ts, count) =>
          ts.every((t) => {
            const shard = shardOf(t, count)
            return shard >= 1 && shard <= count &&
              Array.from({ length: count }, (_, i) => inShard({ index: i + 1, count })(t)).filter(Boolean).length === 1
          })
      )
    )
  })

  it("ignores the case of owner and repository, not of the ref", () => {
    expect(shardKey({ owner: "Acme", repo: "API", ref: "Main" })).toBe("acme/api@Main")
    expect(shardOf({ owner: "Acme", repo: "API", ref: "main" }, 97)).toBe(shardOf({ owner: "acme", repo: "api", ref: "main" }, 97))
  })

  it("is stable: the same target lands in the same shard in every version", () => {
    // Pinned: changing the hash would move targets between shards that run side by side.
    expect(fnv1a("acme/api@main")).toBe(0xebd52b5d)
    expect(shardOf({ owner: "acme", repo: "api", ref: "main" }, 8)).toBe((0xebd52b5d % 8) + 1)
  })
})

describe("parseShard", () => {
  it("reads K/N", () => {
    expect(parseShard("2/8")).toEqual(Either.right({ index: 2, count: 8 }))
    expect(parseShard(" 1 / 1 ")).toEqual(Either.right({ index: 1, count: 1 }))
  })

  it.each(["0/8", "9/8", "2", "2/0", "a/b", "-1/4", "1.5/4", ""])("rejects %j, saying the form", (text) => {
    const result = parseShard(text)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left).toMatch(/K\/N/)
  })
})
