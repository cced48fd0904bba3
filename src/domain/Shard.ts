/**
 * Sharding: `2/8` keeps the targets whose stable hash falls in shard 2 of 8, so several
 * schedules (Lambda rules, a Kubernetes Indexed Job) split a very large set with no overlap and
 * no gap. The hash is FNV-1a (32 bit) of `owner/repo@ref` with owner and repository lower-cased
 * (GitHub's names are case-insensitive, refs are not): the same target lands in the same shard
 * on every machine, runtime and version, whatever else the configuration lists.
 */
import { Either } from "effect"
import type { Target } from "./Target.ts"

export interface Shard {
  /** 1-based: shard `index` of `count`. */
  readonly index: number
  readonly count: number
}

/** FNV-1a, 32 bit, over the UTF-8 bytes of `text`. */
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/** The text a target is hashed by. */
export const shardKey = (t: Pick<Target, "owner" | "repo" | "ref">): string => `${t.owner.toLowerCase()}/${t.repo.toLowerCase()}@${t.ref}`

/** Which shard (1-based) of `count` a target belongs to. */
export const shardOf = (t: Pick<Target, "owner" | "repo" | "ref">, count: number): number => (fnv1a(shardKey(t)) % count) + 1

export const inShard = (shard: Shard) => (t: Pick<Target, "owner" | "repo" | "ref">): boolean => shardOf(t, shard.count) === shard.index

/** `2/8` → shard 2 of 8; says what is wrong otherwise. */
export const parseShard = (text: string): Either.Either<Shard, string> => {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    return Either.left(`must be K/N with 1 ≤ K ≤ N, e.g. "2/8" for the second of eight shards (got ${JSON.stringify(text)})`)
  }
  return Either.right({ index, count })
}

export const describeShard = (s: Shard): string => `${s.index}/${s.count}`
