/**
 * The configuration file: one Schema, YAML or JSON, snake_case keys. A configuration written for
 * the original Go github-ci-monitor decodes unchanged; the keys after `log_level` are new.
 */
import { Either, Inspectable, ParseResult, Schema } from "effect"
import * as YAML from "js-yaml"
import { parseShard } from "../domain/Shard.ts"
import { conclusions } from "../domain/Target.ts"
import { parseDuration } from "../runtime/Cadence.ts"
import { DEFAULT_MAX_RESPONSE_BYTES } from "../http/Policy.ts"

// --- values in messages ------------------------------------------------------------------------

/** Characters that must never reach a terminal or a log raw: C0, DEL, C1, line/paragraph separators, bidi controls. */
const controlChars = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `text` with every control character written as `\uXXXX`, so a message stays one visible line. */
export const escapeControls = (text: string): string =>
  text.replace(controlChars, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** The first `max` characters of `text`, never splitting a surrogate pair. */
const head = (text: string, max: number): string => {
  const end = max > 0 && /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max
  return text.slice(0, end)
}

/** A longest quoted value: a problem must stay readable, and a 5 MB value must not become a 5 MB message. */
export const QUOTE_MAX = 80

/**
 * A value as a message quotes it: JSON-escaped, control characters visible, cut to `max`
 * characters with an ellipsis and the full length (`"aaaa…" (5242880 characters)`).
 */
export const quote = (value: string, max = QUOTE_MAX): string =>
  value.length <= max
    ? escapeControls(JSON.stringify(value))
    : `${escapeControls(JSON.stringify(head(value, max)))}… (${value.length} characters)`

/** A value as written, for a message, escaped and cut; never throws (YAML anchors can make cycles). */
const show = (value: unknown): string => {
  if (typeof value === "string") return quote(value)
  const text = Inspectable.stringifyCircular(value)
  return text.length <= QUOTE_MAX ? escapeControls(text) : `${escapeControls(head(text, QUOTE_MAX))}…`
}

/** A problem line as printed: one line, no raw control character, bounded. */
const PROBLEM_MAX = 500
export const boundProblem = (problem: string): string => {
  const line = escapeControls(problem)
  return line.length <= PROBLEM_MAX ? line : `${head(line, PROBLEM_MAX)}…`
}

// --- secrets -------------------------------------------------------------------------------------

/** A control character by a name a person recognises (`\r` is a Windows line ending), never the secret around it. */
const nameControl = (c: string): string => {
  const named: Record<string, string> = { "\n": "a line break (\\n)", "\r": "a carriage return (\\r)", "\t": "a tab", "\u0000": "a NUL" }
  return named[c] ?? `a control character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`
}

/**
 * Why `value` cannot be a secret, or undefined: said without the value. A token or API key
 * (`token`) is one line of printable ASCII without surrounding spaces — anything else would
 * break the header it is sent in, and the error would quote it. A PEM private key (`pem`) may
 * have line breaks (`\n` or `\r\n`) but no other control character.
 */
export const secretProblem = (value: string, kind: "token" | "pem"): string | undefined => {
  const text = kind === "pem" ? value.replace(/\r\n/g, "\n") : value
  const control = (kind === "pem" ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/ : /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/).exec(text)
  if (control) {
    const hint = control[0] === "\r" ? "was it read from a file with Windows line endings?" : "check how it was set"
    return `contains ${nameControl(control[0])}, which no ${kind === "pem" ? "key" : "token or key"} has: ${hint}`
  }
  if (kind === "pem") return undefined
  if (value !== value.trim()) return "has leading or trailing spaces: remove them"
  if (!/^[\x21-\x7e]*$/.test(value)) return "contains a space or a character outside printable ASCII, which no token or API key has"
  return undefined
}

// --- names, refs and URLs ------------------------------------------------------------------------

/** Longest owner or repository name accepted (GitHub: logins 39, repositories 100). */
export const NAME_MAX = 100

/**
 * Why `name` cannot be a GitHub owner or repository name, or undefined when it can: letters,
 * digits, `-`, `_` and `.`, not `.` or `..` (a path segment of its own would leave the
 * repository's URL). Logins are stricter on github.com, but GHES and organizations allow `_`.
 */
export const nameProblem = (name: string): string | undefined => {
  if (name === "." || name === "..") return `must not be "." or ".." (got ${quote(name)})`
  if (name.length > NAME_MAX) return `must be at most ${NAME_MAX} characters (got ${quote(name)})`
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `must be a GitHub name: letters, digits, "-", "_" and "." (got ${quote(name)})`
  return undefined
}

/** Longest ref accepted: git sets no limit, a URL does. */
export const REF_MAX = 1024

/** A commit SHA, abbreviated (7+) or full (40). */
export const isCommitSha = (ref: string): boolean => /^[0-9a-fA-F]{7,40}$/.test(ref)

/** What git's check-ref-format refuses in `ref` (the first rule broken), or undefined. */
const refRuleBroken = (ref: string): string | undefined => {
  if (ref.length > REF_MAX) return `is longer than ${REF_MAX} characters`
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(ref)) return "contains a control character"
  const bad = /[ ~^:?*[\\]/.exec(ref)
  if (bad) return `contains ${bad[0] === " " ? "a space" : JSON.stringify(bad[0])}`
  if (ref.includes("..")) return `contains ".."`
  if (ref.includes("@{")) return `contains "@{"`
  if (ref === "@") return `is "@"`
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//")) return `begins or ends with "/" or contains "//"`
  if (ref.endsWith(".")) return `ends with "."`
  const parts = ref.split("/")
  if (parts.some((p) => p.startsWith("."))) return `has a part that begins with "."`
  if (parts.some((p) => p.endsWith(".lock"))) return `has a part that ends with ".lock"`
  return undefined
}

/**
 * Why `ref` is neither a git ref name (git check-ref-format's rules: no `..`, control
 * characters, space, `~^:?*[\`, `@{`, `//`; no part beginning with `.` or ending in `.lock`;
 * not `@`, not ending in `/` or `.`) nor a commit SHA; undefined when it is one.
 */
export const refProblem = (ref: string): string | undefined => {
  if (isCommitSha(ref)) return undefined
  const broken = refRuleBroken(ref)
  return broken === undefined ? undefined : `must be a git ref name or a commit SHA: it ${broken} (got ${quote(ref)})`
}

/**
 * `url` with whatever could be credentials (everything between `scheme://` and the last `@`)
 * replaced, so a message can show the rest of the URL.
 */
export const hideCredentials = (url: string): string => {
  const at = url.lastIndexOf("@")
  if (at < 0) return url
  const start = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0].length ?? 0
  return start <= at ? `${url.slice(0, start)}[redacted]${url.slice(at)}` : url
}

/**
 * Why `url` cannot be an API base URL (GITHUB_API_URL, DD_API_URL and their keys), or
 * undefined when it can: http(s), a valid host and port, no credentials (they would be printed
 * and sent; tokens go in GITHUB_TOKEN / DD_API_KEY), no query or fragment (paths are appended to
 * the URL). The URL is never shown with its credentials.
 */
export const apiUrlProblem = (url: string): string | undefined => {
  const got = `(got ${quote(hideCredentials(url))})`
  // fetch would drop tabs and line breaks silently, and read "\" as "/": refuse what would be read otherwise.
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029\\]/.test(url)) {
    return `must be an http(s) URL without spaces, control characters or "\\" ${got}`
  }
  const scheme = /^https?:\/\//i.exec(url)
  if (scheme === null) return `must be an http(s) URL ${got}`
  const rest = url.slice(scheme[0].length)
  const authority = rest.split(/[/?#]/, 1)[0] ?? ""
  const credentials = `must not contain credentials (user:password@): give the token as GITHUB_TOKEN or the key as DD_API_KEY ${got}`
  if (authority.includes("@")) return credentials
  // `host[:port]`, or `[ipv6][:port]`.
  const bracketed = /^(\[[^\]]*\])(.*)$/.exec(authority)
  const host = bracketed ? bracketed[1]! : authority.split(":", 1)[0]!
  const afterHost = authority.slice(host.length)
  if ((authority.startsWith("[") && bracketed === null) || (afterHost !== "" && !afterHost.startsWith(":"))) {
    return `has an invalid host ${got}`
  }
  const port = afterHost === "" ? undefined : afterHost.slice(1)
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    // `user:pa/ss@host`: a password with a "/" ends the authority early; it is still a password.
    return rest.includes("@") ? credentials : `has a port outside 1 to 65535 ${got}`
  }
  if (url.includes("?")) return `must not have a query ("?…") ${got}`
  if (url.includes("#")) return `must not have a fragment ("#…") ${got}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `has an invalid host ${got}`
  }
  if (parsed.username !== "" || parsed.password !== "") return credentials
  if (!/^(?:\[[0-9a-f:.]+\]|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)$/i.test(parsed.hostname) || host === "") {
    return `has an invalid host ${got}`
  }
  return undefined
}

/** An http(s) URL with a host and nothing that cannot be an API's base: see `apiUrlProblem`. */
export const isHttpUrl = (s: string): boolean => apiUrlProblem(s) === undefined

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

const HttpUrl = Schema.String.pipe(Schema.filter((s) => apiUrlProblem(s)))

/** `repo: "*"`: every repository of the owner (an organization or a user), found by discovery. */
export const WHOLE_OWNER = "*"

const Names = Schema.Array(NonEmpty).annotations({ message: () => "must be a list of names" })

/** The keys that only a whole-owner entry (`repo: "*"`) takes. */
const ownerOnlyKeys = ["topics", "exclude", "include_archived", "include_forks"] as const

/** A GitHub owner or repository name (`nameProblem`): each is a path segment of every request. */
const Name = NonEmpty.pipe(Schema.filter((s) => nameProblem(s)))
const RepoName = NonEmpty.pipe(Schema.filter((s) => (s === WHOLE_OWNER ? undefined : nameProblem(s))))
/** A git ref name or a commit SHA (`refProblem`). */
const Ref = NonEmpty.pipe(Schema.filter((s) => refProblem(s)))

export const RepoEntry = Schema.Struct({
  owner: Name,
  /** A repository, or `"*"` for every repository of the owner. */
  repo: RepoName,
  /** Required for one repository; for `repo: "*"`, default each repository's default branch. */
  ref: opt(Ref),
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
  Schema.filter((s) => parseDuration(s)._tag === "Some" || `must be a duration, e.g. 1h, 30m (got ${quote(s)})`)
)

const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic").annotations({
  message: () => ({ message: "must be one of debug, info, warn, error", override: true })
})

/** Where a GitHub App's private key goes instead of the configuration file. */
export const privateKeyPlaces =
  "GITHUB_APP_PRIVATE_KEY (the PEM text), a file named by github_app.private_key_path or GITHUB_APP_PRIVATE_KEY_PATH, or github_app_private_key in the secret_id secret"

const pointsPerMinute = (byDefault: number) =>
  Schema.Int.pipe(Schema.between(1, 1_000_000)).annotations({
    message: () => ({ message: `must be a whole number of points a minute, from 1 to 1000000 (default ${byDefault})`, override: true })
  })

/** Default and least `max_response_bytes`: a GitHub response body is read up to this many bytes. */
export { DEFAULT_MAX_RESPONSE_BYTES }
export const MIN_MAX_RESPONSE_BYTES = 1024

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
  github_app: opt(GitHubApp),
  /** A GitHub response body larger than this is dropped (the target's status is 3). */
  max_response_bytes: opt(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(MIN_MAX_RESPONSE_BYTES)).annotations({
      message: () => ({
        message: `must be a whole number of bytes, at least ${MIN_MAX_RESPONSE_BYTES} (default ${DEFAULT_MAX_RESPONSE_BYTES})`,
        override: true
      })
    })
  ),
  // GitHub's secondary limits per credential; a GitHub Enterprise Server may set its own.
  rest_points_per_minute: opt(pointsPerMinute(900)),
  graphql_points_per_minute: opt(pointsPerMinute(2000))
})
export type ConfigFile = typeof ConfigFile.Type

/** `["repos", 2, "repo"]` → `repos[2].repo`; a key that is no plain word is quoted and cut: `tags["a b"]`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`
    const text = String(key)
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) return `${acc}[${quote(text)}]`
    return acc === "" ? text : `${acc}.${text}`
  }, "")

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
    const target = `${r.owner}/${r.repo}@${r.ref}`
    const shown = target.length <= QUOTE_MAX && !/[\s"]/.test(target) ? target : quote(target)
    return [`repos[${i}]: duplicate target ${shown} (also repos[${first}])`]
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

/** Effect's own messages end with `actual <the value>`: cut it like any quoted value. */
const cutActual = (message: string): string =>
  message.replace(/(, actual )([\s\S]*)$/, (_m, lead: string, actual: string) =>
    `${lead}${actual.length <= QUOTE_MAX ? actual : `${head(actual, QUOTE_MAX)}…`}`)

/** Decodes an already-parsed document, reporting every problem with its path, each one bounded line. */
export const decodeConfig = (input: unknown): Either.Either<ConfigFile, Problems> =>
  Either.mapLeft(decodeUnbounded(input), (problems) => problems.map(boundProblem))

const decodeUnbounded = (input: unknown): Either.Either<ConfigFile, Problems> => {
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
        if (!byPath.has(path)) byPath.set(path, cutActual(issue.message))
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
      return Either.left([boundProblem(`${at}: ${e.reason}`)])
    }
    return Either.left([boundProblem(`(syntax): ${e instanceof Error ? e.message : String(e)}`)])
  }
  return decodeConfig(doc)
}
