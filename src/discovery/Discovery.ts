/**
 * Whole owners: a configuration entry with `repo: "*"` watches every repository of an
 * organization (or a user), found with `GET /orgs/{org}/repos` (`/users/{user}/repos` when the
 * owner is no organization), all pages, filtered by topics, exclusions, archived and forks, each
 * on its default branch unless the entry names a ref. A long-running process keeps what it found
 * and looks again only after `discovery_interval`; when a look fails, it keeps the last list.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Schema } from "effect"
import { nameProblem, quote, refProblem } from "../config/ConfigFile.ts"
import type { Settings } from "../config/Settings.ts"
import type { Shard } from "../domain/Shard.ts"
import { inShard } from "../domain/Shard.ts"
import type { Conclusion, Target } from "../domain/Target.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import { GitHubError } from "../github/GitHubError.ts"

/** One `repo: "*"` entry, resolved (sources, fail_on and tags as for any target). */
export interface OwnerSelector {
  /** Its index in `repos`, for messages (`repos[2]: …`). */
  readonly entry: number
  readonly owner: string
  /** Every repository on this ref; default: each one's default branch. */
  readonly ref?: string | undefined
  /** Keep repositories with at least one of these topics (none: keep all). */
  readonly topics: ReadonlyArray<string>
  /** Leave out these repository names (`*` matches any characters; case-insensitive). */
  readonly exclude: ReadonlyArray<string>
  readonly includeArchived: boolean
  readonly includeForks: boolean
  readonly sources: Target["sources"]
  readonly failOn: ReadonlyArray<Conclusion>
  readonly tags: ReadonlyArray<string>
}

/** The parts of a repository listing's items that discovery reads. */
export const ListedRepository = Schema.Struct({
  name: Schema.String,
  owner: Schema.Struct({ login: Schema.String }),
  default_branch: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  archived: Schema.optionalWith(Schema.Boolean, { exact: true }),
  disabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
  fork: Schema.optionalWith(Schema.Boolean, { exact: true }),
  topics: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})
export type ListedRepository = typeof ListedRepository.Type
const ListingPage = Schema.Array(ListedRepository)

/**
 * Every repository of `owner`: an organization's (`type=all`), else — GitHub answers 404 for a
 * user there — the user's own (`type=owner`; a user's private repositories are listed only
 * under `/user/repos`, for the token's own user, which this does not read).
 */
export const listRepositories = (owner: string): Effect.Effect<ReadonlyArray<ListedRepository>, GitHubError, GitHubClient> =>
  Effect.gen(function*() {
    const github = yield* GitHubClient
    const at = encodeURIComponent(owner)
    return yield* github.getAll(`/orgs/${at}/repos`, ListingPage, (page) => page, { type: "all" }).pipe(
      Effect.catchIf(
        (e) => e.reason === "not_found",
        () => github.getAll(`/users/${at}/repos`, ListingPage, (page) => page, { type: "owner" })
      ),
      Effect.mapError((e) =>
        e.reason === "not_found"
          ? new GitHubError({ reason: "not_found", status: e.status, detail: `no organization or user ${owner} on GitHub (or the token cannot see it)` })
          : e
      )
    )
  }).pipe(Effect.withSpan("Discovery.list", { attributes: { owner } }))

/**
 * Why discovery does not trust a listed repository, or undefined: a listing is outside input,
 * so a repository of another owner (it would add targets there, with our token) or a name or
 * default branch (when it is the ref watched) that the configuration would refuse is dropped.
 */
export const distrust = (owner: string, r: ListedRepository, onDefaultBranch = true): string | undefined => {
  if (r.owner.login.toLowerCase() !== owner.toLowerCase()) return `its owner is ${quote(r.owner.login)}, not ${owner}`
  const name = nameProblem(r.name)
  if (name !== undefined) return `its name ${name}`
  const branch = !onDefaultBranch || r.default_branch == null ? undefined : refProblem(r.default_branch)
  if (branch !== undefined) return `its default branch ${branch}`
  return undefined
}

/** The repositories of a selector's listing that discovery trusts (`distrust`). */
const trustedRepositories = (s: OwnerSelector, repos: ReadonlyArray<ListedRepository>): ReadonlyArray<ListedRepository> =>
  repos.filter((r) => distrust(s.owner, r, s.ref === undefined) === undefined)

/** `legacy-*` → a case-insensitive whole-name match. */
const glob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i")

/** The repositories a selector keeps; disabled repositories never. */
export const selectRepositories = (s: OwnerSelector, repos: ReadonlyArray<ListedRepository>): ReadonlyArray<ListedRepository> => {
  const topics = new Set(s.topics.map((t) => t.toLowerCase()))
  const excluded = s.exclude.map(glob)
  return repos.filter((r) =>
    !r.disabled &&
    (s.includeArchived || !r.archived) &&
    (s.includeForks || !r.fork) &&
    (topics.size === 0 || (r.topics ?? []).some((t) => topics.has(t.toLowerCase()))) &&
    !excluded.some((re) => re.test(r.name))
  )
}

/** The targets a selector gives from an owner's listing, sorted by name; untrusted repositories never. */
export const targetsOf = (s: OwnerSelector, repos: ReadonlyArray<ListedRepository>): ReadonlyArray<Target> =>
  selectRepositories(s, trustedRepositories(s, repos))
    .flatMap((r): ReadonlyArray<Target> => {
      const ref = s.ref ?? r.default_branch ?? undefined
      return ref === undefined
        ? []
        : [{ owner: r.owner.login, repo: r.name, ref, sources: s.sources, failOn: s.failOn, tags: s.tags }]
    })
    .sort((a, b) => a.repo.localeCompare(b.repo))

const keyOf = (t: Pick<Target, "owner" | "repo" | "ref">) => `${t.owner.toLowerCase()}/${t.repo.toLowerCase()}@${t.ref}`

/**
 * The targets named one by one, then those discovered; a repository both named and discovered
 * is watched once, as named (its own sources, fail_on and tags).
 */
export const mergeTargets = (named: ReadonlyArray<Target>, discovered: ReadonlyArray<ReadonlyArray<Target>>): ReadonlyArray<Target> => {
  const seen = new Set(named.map(keyOf))
  const out = [...named]
  for (const t of discovered.flat()) {
    const key = keyOf(t)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(t)
  }
  return out
}

/** Lists each owner once, however many selectors name it; one result per selector, in order. */
export const discover = (
  selectors: ReadonlyArray<OwnerSelector>
): Effect.Effect<ReadonlyArray<Either.Either<ReadonlyArray<Target>, GitHubError>>, never, GitHubClient> =>
  Effect.gen(function*() {
    const owners = [...new Set(selectors.map((s) => s.owner.toLowerCase()))]
    const listings = new Map(
      yield* Effect.forEach(
        owners,
        (owner) => Effect.map(Effect.either(listRepositories(selectors.find((s) => s.owner.toLowerCase() === owner)!.owner)), (r) => [owner, r] as const),
        { concurrency: 4 }
      )
    )
    yield* Effect.forEach(listings, ([owner, listing]) =>
      Either.isLeft(listing)
        ? Effect.logDebug(`discovery: the repositories of ${owner} could not be listed: ${listing.left.detail}`)
        : Effect.zipRight(
          Effect.logDebug(`discovery: ${listing.right.length} repositories listed for ${owner}`),
          warnDropped(owner, listing.right, selectors.some((s) => s.owner.toLowerCase() === owner && s.ref === undefined))
        ))
    return selectors.map((s) => Either.map(listings.get(s.owner.toLowerCase())!, (repos) => targetsOf(s, repos)))
  })

/** Says, once per listing, which repositories were dropped and why (the first few). */
const warnDropped = (owner: string, repos: ReadonlyArray<ListedRepository>, onDefaultBranch: boolean) => {
  const dropped = repos.flatMap((r) => {
    const why = distrust(owner, r, onDefaultBranch)
    return why === undefined ? [] : [`${quote(r.name)}: ${why}`]
  })
  if (dropped.length === 0) return Effect.void
  const shown = dropped.slice(0, 3).join("; ")
  const more = dropped.length > 3 ? `; and ${dropped.length - 3} more` : ""
  return Effect.logWarning(`discovery: ${dropped.length} repositories listed for ${owner} dropped: ${shown}${more}`)
}

export const applyShard = (targets: ReadonlyArray<Target>, shard: Shard | undefined): ReadonlyArray<Target> =>
  shard === undefined ? targets : targets.filter(inShard(shard))

// --- between cycles ------------------------------------------------------------------------------

export interface TargetListOptions {
  /** Targets named one by one. */
  readonly named: ReadonlyArray<Target>
  readonly owners: ReadonlyArray<OwnerSelector>
  readonly shard?: Shard | undefined
  readonly interval: Duration.DurationInput
  /** What discovery found already (e.g. when the settings were read), per selector, and when. */
  readonly initial?: { readonly discovered: ReadonlyArray<ReadonlyArray<Target>>; readonly at: number } | undefined
}

/** The targets of the current cycle: named and discovered, in this process's shard. */
export class TargetList extends Context.Tag("github-ci-monitor/TargetList")<
  TargetList,
  { readonly current: Effect.Effect<ReadonlyArray<Target>> }
>() {
  static readonly layer = (options: TargetListOptions) => Layer.effect(TargetList, makeTargetList(options))

  /**
   * From the settings: starts from what discovery found when they were read, looks again after
   * `discovery_interval`. Needs the GitHubClient (the cycle's layer has it).
   */
  static readonly fromSettings = (s: TargetListSettings) => TargetList.layer(targetListOptions(s))
}

type TargetListSettings = Pick<Settings, "targets" | "namedTargets" | "owners" | "shard" | "discoveryInterval" | "discovered">

/** The settings' targets: those named, and whole owners with what discovery found when the settings were read. */
export const targetListOptions = (s: TargetListSettings): TargetListOptions => ({
  named: s.namedTargets ?? s.targets,
  owners: s.owners ?? [],
  shard: s.shard,
  interval: s.discoveryInterval ?? Duration.hours(1),
  initial: s.discovered && { discovered: s.discovered.targets, at: s.discovered.at }
})

/**
 * Discovery kept between cycles: looked up again once `interval` has passed since the last
 * look; an owner whose listing fails keeps its last list (with a warning) until a look succeeds.
 */
export const makeTargetList = (options: TargetListOptions) =>
  Effect.gen(function*() {
    const github = yield* GitHubClient
    const interval = Duration.toMillis(Duration.decode(options.interval))
    let discovered: ReadonlyArray<ReadonlyArray<Target>> = options.initial?.discovered ?? options.owners.map(() => [])
    let at: number | undefined = options.initial?.at
    const refresh = Effect.gen(function*() {
      const results = yield* discover(options.owners)
      discovered = results.map((r, i) =>
        Either.getOrElse(r, () => discovered[i] ?? [])
      )
      yield* Effect.forEach(results, (r, i) =>
        Either.isLeft(r)
          ? Effect.logWarning(`could not list the repositories of ${options.owners[i]?.owner}; keeping the last list: ${r.left.detail}`)
          : Effect.void)
      at = yield* Clock.currentTimeMillis
      yield* Effect.logDebug(`discovery: ${discovered.reduce((n, d) => n + d.length, 0)} repositories in ${options.owners.length} whole owners`)
    }).pipe(Effect.provideService(GitHubClient, github))
    const lock = yield* Effect.makeSemaphore(1)
    const current = Effect.gen(function*() {
      if (options.owners.length > 0) {
        const now = yield* Clock.currentTimeMillis
        if (at === undefined || now - at >= interval) yield* refresh
      }
      return applyShard(mergeTargets(options.named, discovered), options.shard)
    }).pipe(lock.withPermits(1))
    return { current }
  })
