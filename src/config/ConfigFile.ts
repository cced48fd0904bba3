/**
 * The configuration file: one Schema, YAML or JSON, snake_case keys. A configuration written for
 * the original Go github-ci-monitor decodes unchanged; the keys after `log_level` are new.
 */
import { Either, Inspectable, ParseResult, Schema } from "effect"
import * as YAML from "js-yaml"
import { parseShard } from "../domain/Shard.ts"
import { conclusions } from "../domain/Target.ts"
import { parseDuration } from "../runtime/Cadence.ts"

/** A value as written, for a message; never throws (YAML anchors can make cycles). */
const show = (value: unknown): string => Inspectable.stringifyCircular(value)

const opt = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))

const TagValue = Schema.Union(Schema.String, Schema.Number, Schema.Boolean).annotations({
  message: () => ({ message: "must be a string, number or boolean", override: true })
})
const Tags = Schema.Record({ key: Schema.String, value: TagValue }).annotations({
  message: () => "must be a mapping of tag names to values, e.g. { team: platform }"
})

export const Conclusion = Schema.Literal(...conclusions).annotations({
  message: (issue) => ({
    message: `must be one of ${conclusions.join(", ")} (got ${show(issue.actual)})`,
    override: true
  })
})
const FailOn = Schema.Array(Conclusion).annotations({ message: () => `must be a list of check conclusions` })

/** Datadog sites, each with its API host `api.<site>`. */
export const datadogSites = [
  "datadoghq.com",
  "us3.datadoghq.com",
  "us5.datadoghq.com",
  "datadoghq.eu",
  "ap1.datadoghq.com",
  "ap2.datadoghq.com",
  "ddog-gov.com"
] as const
export const DatadogSite = Schema.Literal(...datadogSites).annotations({
  message: (issue) => ({
    message: `unknown Datadog site ${show(issue.actual)}; one of ${datadogSites.join(", ")}`,
    override: true
  })
})

/** An http(s) URL with a host: what GITHUB_API_URL, DD_API_URL and their keys must be. */
export const isHttpUrl = (s: string): boolean => /^https?:\/\/[^\s/]+/.test(s)

const HttpUrl = Schema.String.pipe(
  Schema.filter(isHttpUrl, { message: (i) => `must be an http(s) URL (got ${show(i.actual)})` })
)

/** `repo: "*"`: every repository of the owner (an organization or a user), found by discovery. */
export const WHOLE_OWNER = "*"

const Names = Schema.Array(NonEmpty).annotations({ message: () => "must be a list of names" })

/** The keys that only a whole-owner entry (`repo: "*"`) takes. */
const ownerOnlyKeys = ["topics", "exclude", "include_archived", "include_forks"] as const

export const RepoEntry = Schema.Struct({
  owner: NonEmpty,
  /** A repository, or `"*"` for every repository of the owner. */
  repo: NonEmpty,
  /** Required for one repository; for `repo: "*"`, default each repository's default branch. */
  ref: opt(NonEmpty),
  status: opt(Schema.Boolean),
  check_run: opt(Schema.Boolean),
  check_suite: opt(Schema.Boolean),
  tags: opt(Tags),
  fail_on: opt(FailOn),
  // Only with `repo: "*"`.
  /** Keep only repositories with at least one of these topics. */
  topics: opt(Names),
  /** Leave out these repositories (names, `*` matches any characters). */
  exclude: opt(Names),
  include_archived: opt(Schema.Boolean),
  include_forks: opt(Schema.Boolean)
}).annotations({ message: () => "must be a mapping with owner, repo and ref" }).pipe(
  Schema.filter((r) => {
    if (r.repo === WHOLE_OWNER) return undefined
    const issues: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
    if (r.ref === undefined) issues.push({ path: ["ref"], message: "is missing" })
    for (const key of ownerOnlyKeys) {
      if (r[key] !== undefined) issues.push({ path: [key], message: `only applies to a whole owner (repo: "${WHOLE_OWNER}")` })
    }
    return issues
  })
)
export type RepoEntry = typeof RepoEntry.Type

const Shard = Schema.String.pipe(
  Schema.filter((s) => Either.match(parseShard(s), { onLeft: (problem) => problem, onRight: () => undefined }))
).annotations({ message: () => ({ message: "must be K/N, e.g. \"2/8\"", override: false }) })

const DurationText = Schema.String.pipe(
  Schema.filter((s) => parseDuration(s)._tag === "Some" || `must be a duration, e.g. 1h, 30m (got ${JSON.stringify(s)})`)
)

const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic").annotations({
  message: () => ({ message: "must be one of debug, info, warn, error", override: true })
})

/** Where a GitHub App's private key goes instead of the configuration file. */
export const privateKeyPlaces =
  "GITHUB_APP_PRIVATE_KEY (the PEM text), a file named by github_app.private_key_path or GITHUB_APP_PRIVATE_KEY_PATH, or github_app_private_key in the secret_id secret"

const PositiveInt = Schema.Int.pipe(Schema.positive()).annotations({
  message: () => ({ message: "must be a positive whole number", override: true })
})

/**
 * A GitHub App instead of a personal token: its id (or client id), optionally the installation
 * to use (else each owner's is looked up), and where its private key is — never the key itself.
 */
export const GitHubApp = Schema.Struct({
  app_id: opt(Schema.Union(PositiveInt, Schema.String.pipe(Schema.pattern(/^\d+$/))).annotations({
    message: () => ({ message: "must be the App's numeric id", override: true })
  })),
  client_id: opt(NonEmpty),
  installation_id: opt(PositiveInt),
  private_key_path: opt(NonEmpty),
  /** Refused: a key is a secret, and the configuration file is not. */
  private_key: opt(Schema.Unknown)
}).annotations({ message: () => "must be a mapping with app_id (or client_id), installation_id and private_key_path" }).pipe(
  Schema.filter((a) => {
    const issues: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
    if (a.private_key !== undefined) {
      issues.push({ path: ["private_key"], message: `must not be in the configuration file: put the key in ${privateKeyPlaces}` })
    }
    if (a.app_id !== undefined && a.client_id !== undefined) {
      issues.push({ path: ["client_id"], message: "give app_id or client_id, not both" })
    }
    if (a.app_id === undefined && a.client_id === undefined) {
      issues.push({ path: ["app_id"], message: "is missing (the App's id, or its client_id)" })
    }
    return issues
  })
)
export type GitHubApp = typeof GitHubApp.Type

export const ConfigFile = Schema.Struct({
  // The original tool's keys.
  check_name: opt(NonEmpty),
  tags: opt(Tags),
  repos: Schema.Array(RepoEntry).annotations({
    message: () => "must be a list of repositories, each with owner, repo and ref"
  }).pipe(
    Schema.filter((a) => a.length > 0, { message: () => "must list at least one repository" })
  ),
  secret_id: opt(NonEmpty),
  region: opt(NonEmpty),
  version_id: opt(NonEmpty),
  log_level: opt(LogLevel),
  // New keys.
  host_name: opt(NonEmpty),
  fail_on: opt(FailOn),
  failing_status: opt(Schema.Literal(1, 2).annotations({
      message: () => ({ message: "must be 1 (WARNING) or 2 (CRITICAL)", override: true })
    })),
  concurrency: opt(
    Schema.Int.pipe(Schema.between(1, 100, { message: () => "must be a whole number from 1 to 100" })).annotations({
      message: () => "must be a whole number from 1 to 100"
    })
  ),
  self_check_name: opt(NonEmpty),
  github_api_url: opt(HttpUrl),
  dd_site: opt(DatadogSite),
  dd_api_url: opt(HttpUrl),
  /** `rest` (default): three requests a target; `graphql`: one query for many targets. */
  api: opt(Schema.Literal("rest", "graphql").annotations({
    message: () => ({ message: "must be rest or graphql", override: true })
  })),
  graphql_batch_size: opt(
    Schema.Int.pipe(Schema.between(1, 100, { message: () => "must be a whole number from 1 to 100" })).annotations({
      message: () => "must be a whole number from 1 to 100"
    })
  ),
  /** `K/N`: only the targets in shard K of N. */
  shard: opt(Shard),
  /** How long a long-running process keeps the repositories found for `repo: "*"` (default 1h). */
  discovery_interval: opt(DurationText),
  /** Authenticate as a GitHub App instead of with GITHUB_TOKEN. */
  github_app: opt(GitHubApp)
})
export type ConfigFile = typeof ConfigFile.Type

/** `["repos", 2, "repo"]` → `repos[2].repo` */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )

/** Every problem of a configuration, each as `path: what is wrong`. */
export type Problems = ReadonlyArray<string>

const decode = Schema.decodeUnknownEither(ConfigFile, { errors: "all", onExcessProperty: "error" })

/** The repository entries as written, for the checks that span entries (even when some are broken). */
const rawRepos = (input: object): ReadonlyArray<Record<string, unknown>> => {
  const repos = (input as { repos?: unknown }).repos
  return Array.isArray(repos) ? repos.map((r) => (typeof r === "object" && r !== null ? r as Record<string, unknown> : {})) : []
}

/** GitHub owners and repositories are case-insensitive; refs are not. */
const duplicates = (repos: ReadonlyArray<Record<string, unknown>>): Problems => {
  const seen = new Map<string, number>()
  return repos.flatMap((r, i) => {
    if (typeof r.owner !== "string" || typeof r.repo !== "string" || typeof r.ref !== "string") return []
    const key = `${r.owner.toLowerCase()}/${r.repo.toLowerCase()}@${r.ref}`
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, i)
      return []
    }
    return [`repos[${i}]: duplicate target ${r.owner}/${r.repo}@${r.ref} (also repos[${first}])`]
  })
}

/** When no source is named, all three are on; when any is named, only those set to true are. */
export const sourcesOf = (r: Pick<RepoEntry, "status" | "check_run" | "check_suite">) => {
  const named = r.status !== undefined || r.check_run !== undefined || r.check_suite !== undefined
  return {
    status: named ? r.status === true : true,
    check_runs: named ? r.check_run === true : true,
    check_suites: named ? r.check_suite === true : true
  }
}

const noSources = (repos: ReadonlyArray<Record<string, unknown>>): Problems =>
  repos.flatMap((r, i) => {
    const flags = [r.status, r.check_run, r.check_suite]
    if (!flags.every((f) => f === undefined || typeof f === "boolean")) return []
    const on = sourcesOf(r as Pick<RepoEntry, "status" | "check_run" | "check_suite">)
    return on.status || on.check_runs || on.check_suites
      ? []
      : [`repos[${i}]: enables no source (set at least one of status, check_run, check_suite to true, or name none for all three)`]
  })

/** Decodes an already-parsed document, reporting every problem with its path. */
export const decodeConfig = (input: unknown): Either.Either<ConfigFile, Problems> => {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return Either.left(["(top level): must be a mapping with a `repos` list"])
  }
  // Checks across entries run on what was written, so they are reported with the schema's problems.
  const across = [...duplicates(rawRepos(input)), ...noSources(rawRepos(input))]
  return Either.match(decode(input), {
    onLeft: (error) => {
      const byPath = new Map<string, string>()
      for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
        const path = formatPath(issue.path) || "(top level)"
        // A union reports one line per member; the first says enough.
        if (!byPath.has(path)) byPath.set(path, issue.message)
      }
      return Either.left([...[...byPath].map(([path, message]) => `${path}: ${message}`), ...across])
    },
    onRight: (config) => (across.length > 0 ? Either.left(across) : Either.right(config))
  })
}

/** Parses YAML (JSON is YAML too) and decodes it. */
export const parseConfig = (text: string): Either.Either<ConfigFile, Problems> => {
  let doc: unknown
  try {
    doc = YAML.load(text)
  } catch (e) {
    // An empty file (or one of comments only) holds no document: say what one must hold.
    if (e instanceof YAML.YAMLException && e.mark === undefined) return decodeConfig(null)
    if (e instanceof YAML.YAMLException) {
      const at = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "(syntax)"
      return Either.left([`${at}: ${e.reason}`])
    }
    return Either.left([`(syntax): ${e instanceof Error ? e.message : String(e)}`])
  }
  return decodeConfig(doc)
}
