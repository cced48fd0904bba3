/**
 * Resolves everything a cycle needs: the configuration file (from `--config`, the `CONFIG`
 * variable, or `.github-ci-monitor.yml` found upwards), the environment and the CLI flags.
 * A flag wins over the environment, which wins over the file. Secrets are `Redacted` from
 * the moment they are read and never come from the file: they come from the environment, or
 * from the AWS Secrets Manager secret the file names (`secret_id`), whose values win over the
 * environment's, as they always have in the Lambda.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Clock, Config, Data, Duration, Effect, Either, Option, Redacted } from "effect"
import type { OwnerSelector } from "../discovery/Discovery.ts"
import { applyShard, discover, mergeTargets } from "../discovery/Discovery.ts"
import type { Shard } from "../domain/Shard.ts"
import { parseShard } from "../domain/Shard.ts"
import type { Conclusion, Target } from "../domain/Target.ts"
import { defaultFailOn } from "../domain/Target.ts"
import { registerSecret } from "../domain/Scrub.ts"
import type { Credentials } from "./SecretsManager.ts"
import { fetchSecret } from "./SecretsManager.ts"
import { nodeCrypto } from "../github/AppAuth.ts"
import { DEFAULT_GRAPHQL_POINTS_PER_MINUTE, DEFAULT_REST_POINTS_PER_MINUTE, GitHubClient, makeGitHubClient } from "../github/GitHubClient.ts"
import { parseDuration } from "../runtime/Cadence.ts"
import { userAgent } from "../version.ts"
import type { ConfigFile, Problems } from "./ConfigFile.ts"
import {
  apiUrlProblem,
  boundProblem,
  DatadogSite,
  DEFAULT_MAX_RESPONSE_BYTES,
  escapeControls,
  parseConfig,
  privateKeyPlaces,
  quote,
  secretProblem,
  sourcesOf,
  WHOLE_OWNER
} from "./ConfigFile.ts"
import { Schema } from "effect"

export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly source: string
  readonly problems: Problems
}> {
  /** One escaped, bounded line per problem, whoever built them: values in problems come from outside. */
  override get message(): string {
    return `invalid configuration (${escapeControls(this.source)}):\n${this.problems.map((p) => `  ${boundProblem(p)}`).join("\n")}`
  }
}

/** What the command line may set; each wins over the environment and the file. */
export interface Overrides {
  readonly configPath?: string | undefined
  /** A configuration given as text (the built-in demo); wins over everything else. */
  readonly configText?: { readonly source: string; readonly text: string } | undefined
  readonly githubApiUrl?: string | undefined
  readonly ddSite?: string | undefined
  readonly ddApiUrl?: string | undefined
  readonly concurrency?: number | undefined
  /** `--api`: `rest` or `graphql`. */
  readonly api?: string | undefined
  /** `--shard K/N`. */
  readonly shard?: string | undefined
  /** A GitHub token from elsewhere than the environment; wins over it (and over the secret). */
  readonly githubToken?: Redacted.Redacted<string> | undefined
  /** A GitHub App private key from elsewhere than the environment; wins over it (and over the secret). */
  readonly githubAppPrivateKey?: Redacted.Redacted<string> | undefined
  /** `false`: leave whole owners (`repo: "*"`) unexpanded, e.g. before the token is known. */
  readonly discover?: boolean | undefined
}

export type Api = "rest" | "graphql"

export interface Settings {
  /** Where the configuration came from, for messages: a path or `CONFIG`. */
  readonly configSource: string
  readonly file: ConfigFile
  /**
   * The targets of a cycle: those named one by one, then those found for `repo: "*"` entries
   * when the settings were read, in this process's shard.
   */
  readonly targets: ReadonlyArray<Target>
  /** Targets named one by one (all shards). */
  readonly namedTargets?: ReadonlyArray<Target> | undefined
  /** The `repo: "*"` entries, for discovery between cycles. */
  readonly owners?: ReadonlyArray<OwnerSelector> | undefined
  /** What discovery found for each owner entry when the settings were read, and when (epoch ms). */
  readonly discovered?: { readonly targets: ReadonlyArray<ReadonlyArray<Target>>; readonly at: number } | undefined
  readonly discoveryInterval?: Duration.Duration | undefined
  /** Only the targets of this shard, when set. */
  readonly shard?: Shard | undefined
  /** Which GitHub API the sources use (default rest). */
  readonly api?: Api | undefined
  /** Targets per GraphQL query (default 50). */
  readonly graphqlBatchSize?: number | undefined
  readonly checkName: string
  readonly selfCheckName: string
  readonly hostName: string
  readonly failingStatus: 1 | 2
  readonly concurrency: number
  /** GitHub's secondary limits per credential (`rest_points_per_minute`, `graphql_points_per_minute`). */
  readonly restPointsPerMinute?: number | undefined
  readonly graphqlPointsPerMinute?: number | undefined
  /** A GitHub response body larger than this many bytes is dropped (`max_response_bytes`). */
  readonly maxResponseBytes: number
  readonly globalTags: ReadonlyArray<string>
  /** The AWS Secrets Manager secret the credentials were read from (`secret_id`), when set. */
  readonly secret?: { readonly id: string; readonly versionId?: string | undefined; readonly region?: string | undefined } | undefined
  /** Variables that are set but not used, because the secret's value wins over them. */
  readonly unusedEnv?: ReadonlyArray<string> | undefined
  readonly github: {
    readonly apiUrl: string
    readonly token: Option.Option<Redacted.Redacted<string>>
    /** Where the token came from, for a person: `GITHUB_TOKEN`, `secret "gcm" (github_token)`; never the value. */
    readonly tokenSource?: string | undefined
    /** A GitHub App (`github_app`): used instead of the token. */
    readonly app?: GitHubAppSettings | undefined
  }
  readonly datadog: {
    readonly site: string
    readonly apiUrl: string
    readonly apiKey: Option.Option<Redacted.Redacted<string>>
    /** Where the key came from: `DD_API_KEY`, `secret "gcm" (datadog_api_key)`; never the value. */
    readonly apiKeySource?: string | undefined
  }
}

export interface GitHubAppSettings {
  /** The App's id or client id: the JWT's issuer. */
  readonly appId: string
  readonly installationId?: number | undefined
  /** None only when the settings were read with other problems (the secret then is not read). */
  readonly privateKey: Option.Option<Redacted.Redacted<string>>
  /** Where the key came from: `GITHUB_APP_PRIVATE_KEY`, a file, the secret; never the value. */
  readonly privateKeySource?: string | undefined
}

export const defaults = {
  checkName: "ci.ok",
  selfCheckName: "github_ci_monitor.up",
  hostName: "github-ci-monitor",
  failingStatus: 1,
  concurrency: 10,
  githubApiUrl: "https://api.github.com",
  ddSite: "datadoghq.com",
  api: "rest",
  /** 50 targets with all sources cost 100 GraphQL requests: 1 point a query, 20 per 1,000 targets. */
  graphqlBatchSize: 50,
  discoveryInterval: "1h",
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES
} as const

export const configFileNames = [".github-ci-monitor.yml", ".github-ci-monitor.yaml"] as const

/** An environment variable, with an empty value read as unset. */
const env = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.filter((s) => s.trim() !== ""))
  )
/** A secret as read, with the name to give in a problem (the variable, never the value). */
interface ReadSecret {
  readonly name: string
  readonly value: Redacted.Redacted<string>
}

/** The first of these variables that is set (a blank one counts as unset). */
const secretEnv = (...names: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    for (const name of names) {
      const value = yield* Config.redacted(name).pipe(Config.option)
      if (Option.isSome(value) && Redacted.value(value.value).trim() !== "") return Option.some<ReadSecret>({ name, value: value.value })
    }
    return Option.none<ReadSecret>()
  })

/**
 * Registers the secret with the scrubber (every output removes it from now on, even if it is
 * refused) and says what is wrong with it, naming where it came from and never what it is.
 */
const checkSecret = (secret: Option.Option<ReadSecret>, kind: "token" | "pem") =>
  Effect.sync((): Problems => {
    if (Option.isNone(secret)) return []
    registerSecret(Redacted.value(secret.value.value))
    const problem = secretProblem(Redacted.value(secret.value.value), kind)
    return problem === undefined ? [] : [`${secret.value.name}: ${problem}`]
  })

/** Finds the configuration text: `--config FILE`, else `CONFIG`, else a file found upwards. */
const findConfigText = (configPath: string | undefined) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const read = (file: string) =>
      fs.readFileString(file).pipe(
        Effect.mapError((e) =>
          new ConfigError({
            source: file,
            problems: [e._tag === "SystemError" && e.reason === "NotFound" ? "file not found" : `cannot read: ${e.message}`]
          })
        ),
        Effect.map((text) => ({ source: file, text }))
      )
    if (configPath !== undefined) return yield* read(configPath)
    const fromEnv = yield* Effect.orDie(env("CONFIG"))
    if (Option.isSome(fromEnv)) return { source: "CONFIG environment variable", text: fromEnv.value }
    let dir = path.resolve(".")
    for (;;) {
      for (const name of configFileNames) {
        const candidate = path.join(dir, name)
        if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) return yield* read(candidate)
      }
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
    return yield* new ConfigError({
      source: "no configuration",
      problems: [
        `pass --config FILE, set CONFIG to the YAML, or create ${configFileNames[0]} in this directory or above`
      ]
    })
  })

const tagList = (tags: ConfigFile["tags"]): ReadonlyArray<readonly [string, string]> =>
  Object.entries(tags ?? {}).map(([k, v]) => [k, String(v)] as const)

/** Global tags, then the target's own; a target's tag replaces a global tag of the same name. */
const mergeTags = (...sets: ReadonlyArray<ReadonlyArray<readonly [string, string]>>): ReadonlyArray<string> =>
  [...new Map(sets.flat()).entries()].map(([k, v]) => `${k}:${v}`)

/** The entries that name one repository, as targets (`repo: "*"` entries are discovered). */
export const toTargets = (file: ConfigFile): ReadonlyArray<Target> =>
  file.repos.flatMap((r): ReadonlyArray<Target> => {
    if (r.repo === WHOLE_OWNER || r.ref === undefined) return []
    return [{
      owner: r.owner,
      repo: r.repo,
      ref: r.ref,
      sources: sourcesOf(r),
      failOn: (r.fail_on ?? file.fail_on ?? defaultFailOn) as ReadonlyArray<Conclusion>,
      tags: mergeTags(tagList(file.tags), tagList(r.tags))
    }]
  })

/** The `repo: "*"` entries, resolved like targets (sources, fail_on, tags). */
export const toOwnerSelectors = (file: ConfigFile): ReadonlyArray<OwnerSelector> =>
  file.repos.flatMap((r, entry): ReadonlyArray<OwnerSelector> =>
    r.repo !== WHOLE_OWNER ? [] : [{
      entry,
      owner: r.owner,
      ref: r.ref,
      topics: r.topics ?? [],
      exclude: r.exclude ?? [],
      includeArchived: r.include_archived ?? false,
      includeForks: r.include_forks ?? false,
      sources: sourcesOf(r),
      failOn: (r.fail_on ?? file.fail_on ?? defaultFailOn) as ReadonlyArray<Conclusion>,
      tags: mergeTags(tagList(file.tags), tagList(r.tags))
    }]
  )

const describeSelector = (s: OwnerSelector): string => {
  const kept = [
    s.topics.length > 0 ? `topics ${s.topics.join(", ")}` : undefined,
    s.exclude.length > 0 ? `excluding ${s.exclude.join(", ")}` : undefined,
    s.includeArchived ? undefined : "archived left out",
    s.includeForks ? undefined : "forks left out"
  ].filter((x) => x !== undefined)
  return kept.length > 0 ? ` (${kept.join("; ")})` : ""
}

/**
 * Lists the repositories of every `repo: "*"` entry with the settings' GitHub, over the
 * HttpClient in context: the caller chooses it (fetch for the CLI, node:http for the Lambda),
 * so this module pulls in no client of its own. A listing that fails, or finds nothing to
 * watch, is a problem of its entry.
 */
const discoverOwners = (owners: ReadonlyArray<OwnerSelector>, github: Settings["github"], concurrency: number) =>
  Effect.gen(function*() {
    const client = yield* makeGitHubClient(github, { concurrency, userAgent })
    const results = yield* discover(owners).pipe(Effect.provideService(GitHubClient, client))
    const problems = results.flatMap((r, i): Problems => {
      const s = owners[i]!
      return Either.match(r, {
        onLeft: (e) => [`repos[${s.entry}]: could not list the repositories of ${s.owner}: ${e.detail}`],
        onRight: (targets) => targets.length > 0 ? [] : [`repos[${s.entry}]: ${s.owner} has no repository to watch${describeSelector(s)}`]
      })
    })
    if (problems.length > 0) return yield* new ConfigError({ source: `repository discovery at ${github.apiUrl}`, problems })
    return { targets: results.map((r) => Either.getOrElse(r, () => [])), at: yield* Clock.currentTimeMillis }
  })

/** A PEM given in one line (`\n` written out, as some secret stores and `.env` files keep it). */
const unescapePem = (pem: string): string => (pem.includes("\n") ? pem : pem.replace(/\\n/g, "\n")).trim()

/**
 * The GitHub App of `github_app`, with its private key from (first found) the Lambda's secret,
 * `GITHUB_APP_PRIVATE_KEY`, `GITHUB_APP_PRIVATE_KEY_PATH` or `github_app.private_key_path` —
 * relative to the configuration file. Problems name where the key came from, never what it is.
 */
const resolveApp = (file: ConfigFile, configFile: string | undefined, fromSecret: ReadSecret | undefined) =>
  Effect.gen(function*() {
    const app = file.github_app
    if (app === undefined) return { app: undefined, problems: [] as Problems }
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const appId = String(app.app_id ?? app.client_id ?? "")
    const fromEnv = Option.map(yield* Effect.orDie(secretEnv("GITHUB_APP_PRIVATE_KEY")), (s) => s.value)
    const envPath = yield* Effect.orDie(env("GITHUB_APP_PRIVATE_KEY_PATH"))
    const keyPath = Option.getOrUndefined(envPath) ?? app.private_key_path
    const pathName = Option.isSome(envPath) ? "GITHUB_APP_PRIVATE_KEY_PATH" : "github_app.private_key_path"
    let key: { readonly pem: Redacted.Redacted<string>; readonly from: string } | undefined
    if (fromSecret !== undefined) key = { pem: fromSecret.value, from: fromSecret.name }
    else if (Option.isSome(fromEnv)) key = { pem: fromEnv.value, from: "GITHUB_APP_PRIVATE_KEY" }
    else if (keyPath !== undefined) {
      const full = Option.isNone(envPath) && configFile !== undefined ? path.resolve(path.dirname(configFile), keyPath) : path.resolve(keyPath)
      const text = yield* fs.readFileString(full).pipe(Effect.either)
      if (Either.isLeft(text)) {
        const e = text.left
        const why = e._tag === "SystemError" && e.reason === "NotFound" ? "file not found" : "cannot be read"
        return { app: undefined, problems: [`${pathName}: ${full}: ${why}`] }
      }
      key = { pem: Redacted.make(text.right), from: `${pathName} (${full})` }
    }
    if (key === undefined) {
      return {
        app: { appId, installationId: app.installation_id, privateKey: Option.none() },
        // With secret_id, the secret was not read (other problems came first): no problem of its own.
        problems: file.secret_id !== undefined ? [] : [`github_app: no private key: put it in ${privateKeyPlaces}`]
      }
    }
    const keyProblems = yield* checkSecret(Option.some({ name: key.from, value: key.pem }), "pem")
    if (keyProblems.length > 0) return { app: undefined, problems: keyProblems }
    const pem = Redacted.make(unescapePem(Redacted.value(key.pem)))
    registerSecret(Redacted.value(pem))
    const valid = Either.try(() => nodeCrypto().createPrivateKey(Redacted.value(pem)).asymmetricKeyType === "rsa")
    if (Either.isLeft(valid) || !valid.right) {
      return { app: undefined, problems: [`github_app: the private key from ${key.from} is not a PEM RSA private key (as GitHub issues it)`] }
    }
    return { app: { appId, installationId: app.installation_id, privateKey: Option.some(pem), privateKeySource: key.from }, problems: [] as Problems }
  })

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/** An API URL and where it was given: the flag, the variable or the file's key. */
interface GivenUrl {
  readonly name: string
  readonly url: string
}

/** The problem of an API URL, naming where it was given; never with its credentials. */
const validateUrl = (given: GivenUrl): Problems => {
  const problem = apiUrlProblem(given.url)
  return problem === undefined ? [] : [`${given.name}: ${problem}`]
}

/** The first of flag, variable, file key that is given. */
const firstGiven = (...candidates: ReadonlyArray<readonly [string, string | undefined]>): GivenUrl | undefined => {
  const found = candidates.find(([, url]) => url !== undefined)
  return found === undefined ? undefined : { name: found[0], url: found[1]! }
}

/**
 * Reads and checks everything; every problem is reported at once, before any request. Whole
 * owners (`repo: "*"`) are listed over the HttpClient in context, which the caller provides.
 */
export const loadSettings = (overrides: Overrides = {}) =>
  Effect.gen(function*() {
    const { source, text } = overrides.configText ?? (yield* findConfigText(overrides.configPath))
    const file = yield* Either.match(parseConfig(text), {
      onLeft: (problems) => Effect.fail(new ConfigError({ source, problems })),
      onRight: Effect.succeed
    })
    const envOf = (name: string) => Effect.orDie(env(name)).pipe(Effect.map(Option.getOrUndefined))
    const githubApi = firstGiven(
      ["--github-api-url", overrides.githubApiUrl],
      ["GITHUB_API_URL", yield* envOf("GITHUB_API_URL")],
      ["github_api_url", file.github_api_url]
    ) ?? { name: "github_api_url", url: defaults.githubApiUrl }
    const githubApiUrl = githubApi.url
    const ddSite = overrides.ddSite ?? (yield* envOf("DD_SITE")) ?? file.dd_site ?? defaults.ddSite
    const ddApi = firstGiven(
      ["--dd-api-url", overrides.ddApiUrl],
      ["DD_API_URL", yield* envOf("DD_API_URL")],
      ["dd_api_url", file.dd_api_url]
    )
    const ddApiUrl = ddApi?.url
    const siteProblems = Either.isLeft(Schema.decodeUnknownEither(DatadogSite)(ddSite))
      ? [`DD_SITE: unknown Datadog site ${quote(ddSite)}`]
      : []
    const concurrencyProblems = overrides.concurrency !== undefined &&
        !(Number.isInteger(overrides.concurrency) && overrides.concurrency >= 1 && overrides.concurrency <= 100)
      ? [`--concurrency: must be a whole number from 1 to 100 (got ${overrides.concurrency})`]
      : []
    const api = overrides.api ?? file.api ?? defaults.api
    const apiProblems = api === "rest" || api === "graphql" ? [] : [`--api: must be rest or graphql (got ${quote(api)})`]
    const shardText = overrides.shard ?? file.shard
    const shard = shardText === undefined ? undefined : parseShard(shardText)
    const shardProblems = shard !== undefined && Either.isLeft(shard) ? [`${overrides.shard !== undefined ? "--shard" : "shard"}: ${shard.left}`] : []
    const problems = [
      ...concurrencyProblems,
      ...apiProblems,
      ...shardProblems,
      ...validateUrl(githubApi),
      ...(ddApi === undefined ? siteProblems : validateUrl(ddApi))
    ]
    const envToken = overrides.githubToken !== undefined
      ? Option.some<ReadSecret>({ name: "the token given", value: overrides.githubToken })
      : yield* Effect.orDie(secretEnv("GITHUB_TOKEN", "GITHUB_ACCESS_TOKEN"))
    const envKey = yield* Effect.orDie(secretEnv("DD_API_KEY", "DATADOG_API_KEY"))
    const envProblems = [...(yield* checkSecret(envToken, "token")), ...(yield* checkSecret(envKey, "token"))]
    const configFile = overrides.configText === undefined && source !== "CONFIG environment variable" ? source : undefined
    if (problems.length + envProblems.length > 0) {
      // Reported before anything is asked of anyone, AWS included.
      const app = yield* resolveApp(file, configFile, undefined)
      return yield* new ConfigError({ source: "environment and flags", problems: [...problems, ...envProblems, ...app.problems].map(boundProblem) })
    }
    // The secret's values win over the environment's (as in the Lambda); what it lacks, the
    // environment gives. Read once per process; a read that failed is tried again next time.
    const secretRef = file.secret_id === undefined ? undefined : { secretId: file.secret_id, versionId: file.version_id, region: file.region }
    const fromSecret: Credentials | undefined = secretRef === undefined ? undefined : yield* fetchSecret(secretRef, {
      githubApp: file.github_app !== undefined,
      githubTokenElsewhere: Option.isSome(envToken),
      datadogApiKeyElsewhere: Option.isSome(envKey),
      githubAppPrivateKey: file.github_app !== undefined && overrides.githubAppPrivateKey === undefined &&
        Option.isNone(yield* Effect.orDie(secretEnv("GITHUB_APP_PRIVATE_KEY"))) &&
        Option.isNone(yield* Effect.orDie(env("GITHUB_APP_PRIVATE_KEY_PATH"))) && file.github_app.private_key_path === undefined
    }).pipe(
      Effect.mapError((e) => new ConfigError({ source: `secret_id ${quote(e.secretId)}`, problems: [boundProblem(e.message)] }))
    )
    const inSecret = (field: string) => `secret ${quote(secretRef?.secretId ?? "")} (${field})`
    const fromTheSecret = (value: Redacted.Redacted<string> | undefined, field: string) =>
      value === undefined ? Option.none<ReadSecret>() : Option.some<ReadSecret>({ name: inSecret(field), value })
    const token = overrides.githubToken !== undefined ? envToken : Option.orElse(fromTheSecret(fromSecret?.githubToken, "github_token"), () => envToken)
    const apiKey = Option.orElse(fromTheSecret(fromSecret?.datadogApiKey, "datadog_api_key"), () => envKey)
    const unusedEnv = [
      ...(Option.isSome(envToken) && Option.isSome(token) && token.value !== envToken.value ? [envToken.value.name] : []),
      ...(Option.isSome(envKey) && Option.isSome(apiKey) && apiKey.value !== envKey.value ? [envKey.value.name] : [])
    ]
    const appKey = overrides.githubAppPrivateKey !== undefined
      ? { name: "the private key given", value: overrides.githubAppPrivateKey }
      : Option.getOrUndefined(fromTheSecret(fromSecret?.githubAppPrivateKey, "github_app_private_key"))
    const app = yield* resolveApp(file, configFile, appKey)
    // GitHub answers GraphQL only with a token: without one, every target could only be 3.
    const apiName = overrides.api !== undefined ? "--api graphql" : "api: graphql"
    const graphqlProblems = api === "graphql" && Option.isNone(token) && file.github_app === undefined
      ? [
        `${apiName}: GitHub's GraphQL API needs a token, and there is none: set GITHUB_TOKEN (or GITHUB_ACCESS_TOKEN)${
          secretRef === undefined ? "" : `, put github_token in the secret ${quote(secretRef.secretId)}`
        }, configure a GitHub App (github_app), or use api: rest`
      ]
      : []
    const allProblems = [...app.problems, ...graphqlProblems]
    if (allProblems.length > 0) {
      return yield* new ConfigError({ source: "environment and flags", problems: allProblems.map(boundProblem) })
    }
    const github = {
      apiUrl: trimSlash(githubApiUrl),
      token: Option.map(token, (s) => s.value),
      tokenSource: Option.getOrUndefined(Option.map(token, (s) => s.name)),
      ...(app.app === undefined ? {} : { app: app.app })
    }
    const datadog = {
      site: ddSite,
      apiUrl: trimSlash(ddApiUrl ?? `https://api.${ddSite}`),
      apiKey: Option.map(apiKey, (s) => s.value),
      apiKeySource: Option.getOrUndefined(Option.map(apiKey, (s) => s.name))
    }
    const namedTargets = toTargets(file)
    const owners = toOwnerSelectors(file)
    const inShard = shard !== undefined && Either.isRight(shard) ? shard.right : undefined
    const discovered = owners.length > 0 && overrides.discover !== false ? yield* discoverOwners(owners, github, overrides.concurrency ?? file.concurrency ?? defaults.concurrency) : undefined
    return {
      configSource: source,
      file,
      targets: applyShard(mergeTargets(namedTargets, discovered?.targets ?? []), inShard),
      namedTargets,
      owners,
      discovered,
      discoveryInterval: Option.getOrElse(parseDuration(file.discovery_interval ?? defaults.discoveryInterval), () => Duration.hours(1)),
      shard: inShard,
      api: api as Api,
      graphqlBatchSize: file.graphql_batch_size ?? defaults.graphqlBatchSize,
      checkName: file.check_name ?? defaults.checkName,
      selfCheckName: file.self_check_name ?? defaults.selfCheckName,
      hostName: file.host_name ?? defaults.hostName,
      failingStatus: file.failing_status ?? defaults.failingStatus,
      concurrency: overrides.concurrency ?? file.concurrency ?? defaults.concurrency,
      maxResponseBytes: file.max_response_bytes ?? defaults.maxResponseBytes,
      restPointsPerMinute: file.rest_points_per_minute ?? DEFAULT_REST_POINTS_PER_MINUTE,
      graphqlPointsPerMinute: file.graphql_points_per_minute ?? DEFAULT_GRAPHQL_POINTS_PER_MINUTE,
      globalTags: mergeTags(tagList(file.tags)),
      secret: secretRef === undefined ? undefined : { id: secretRef.secretId, versionId: secretRef.versionId, region: secretRef.region },
      unusedEnv,
      github,
      datadog
    } satisfies Settings
  })
