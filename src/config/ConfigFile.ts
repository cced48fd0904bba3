/**
 * The configuration file: one Schema, YAML or JSON, snake_case keys. A configuration written for
 * the original Go github-ci-monitor decodes unchanged; the keys after `log_level` are new.
 */
import { Either, ParseResult, Schema } from "effect"
import * as YAML from "yaml"
import { conclusions } from "../domain/Target.ts"

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
    message: `must be one of ${conclusions.join(", ")} (got ${JSON.stringify(issue.actual)})`,
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
    message: `unknown Datadog site ${JSON.stringify(issue.actual)}; one of ${datadogSites.join(", ")}`,
    override: true
  })
})

const HttpUrl = Schema.String.pipe(
  Schema.filter((s) => /^https?:\/\/[^\s/]+/.test(s), { message: (i) => `must be an http(s) URL (got ${JSON.stringify(i.actual)})` })
)

export const RepoEntry = Schema.Struct({
  owner: NonEmpty,
  repo: NonEmpty,
  ref: NonEmpty,
  status: opt(Schema.Boolean),
  check_run: opt(Schema.Boolean),
  check_suite: opt(Schema.Boolean),
  tags: opt(Tags),
  fail_on: opt(FailOn)
}).annotations({ message: () => "must be a mapping with owner, repo and ref" })
export type RepoEntry = typeof RepoEntry.Type

const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic").annotations({
  message: () => ({ message: "must be one of debug, info, warn, error", override: true })
})

export const ConfigFile = Schema.Struct({
  // The original tool's keys.
  check_name: opt(NonEmpty),
  tags: opt(Tags),
  repos: Schema.Array(RepoEntry).pipe(
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
  dd_api_url: opt(HttpUrl)
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

const duplicates = (repos: ReadonlyArray<RepoEntry>): Problems => {
  const seen = new Map<string, number>()
  return repos.flatMap((r, i) => {
    const key = `${r.owner}/${r.repo}@${r.ref}`.toLowerCase()
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, i)
      return []
    }
    return [`repos[${i}]: duplicate target ${r.owner}/${r.repo}@${r.ref} (also repos[${first}])`]
  })
}

const noSources = (repos: ReadonlyArray<RepoEntry>): Problems =>
  repos.flatMap((r, i) =>
    r.status === false && r.check_run === false && r.check_suite === false
      ? [`repos[${i}]: enables no source (status, check_run and check_suite are all false)`]
      : []
  )

/** Decodes an already-parsed document, reporting every problem with its path. */
export const decodeConfig = (input: unknown): Either.Either<ConfigFile, Problems> => {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return Either.left(["(top level): must be a mapping with a `repos` list"])
  }
  return Either.match(decode(input), {
    onLeft: (error) => {
      const byPath = new Map<string, string>()
      for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
        const path = formatPath(issue.path) || "(top level)"
        // A union reports one line per member; the first says enough.
        if (!byPath.has(path)) byPath.set(path, issue.message)
      }
      return Either.left([...byPath].map(([path, message]) => `${path}: ${message}`))
    },
    onRight: (config) => {
      const problems = [...duplicates(config.repos), ...noSources(config.repos)]
      return problems.length > 0 ? Either.left(problems) : Either.right(config)
    }
  })
}

/** Parses YAML (JSON is YAML too) and decodes it. */
export const parseConfig = (text: string): Either.Either<ConfigFile, Problems> => {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return Either.left(doc.errors.map((e) => {
      const at = e.linePos?.[0]
      return `${at ? `line ${at.line}, column ${at.col}` : "(syntax)"}: ${e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`
    }))
  }
  return decodeConfig(doc.toJS())
}
