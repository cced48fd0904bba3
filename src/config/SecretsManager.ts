/**
 * Credentials from AWS Secrets Manager, as the original tool's Lambda read them: the secret
 * string holds `github_token` and `datadog_api_key`, as JSON or YAML — or, with a GitHub App,
 * `github_app_private_key` (the PEM) instead of `github_token`. The Lambda and the CLI (run,
 * daemon, serve, validate) read it alike, when the configuration names a `secret_id`. The AWS
 * SDK v3 client is loaded only then (the Lambda runtime provides it; the CLI bundle carries it),
 * with the SDK's default credentials and region, honouring `AWS_ENDPOINT_URL_SECRETS_MANAGER` /
 * `AWS_ENDPOINT_URL` like every v3 client. A secret read is kept for the process's life; a read
 * that failed is not kept, so the next one asks again.
 */
import { Context, Data, Effect, Redacted } from "effect"
import * as YAML from "js-yaml"
import { registerSecret } from "../domain/Scrub.ts"
import { secretProblem } from "./ConfigFile.ts"

export class SecretError extends Data.TaggedError("SecretError")<{ readonly secretId: string; readonly reason: string }> {
  override get message(): string {
    return `cannot read secret ${JSON.stringify(this.secretId)} from AWS Secrets Manager: ${this.reason}`
  }
}

export interface SecretRef {
  readonly secretId: string
  readonly versionId?: string | undefined
  readonly region?: string | undefined
}

export interface Credentials {
  /** Absent only when a GitHub App is configured, or the token comes from the environment. */
  readonly githubToken?: Redacted.Redacted<string> | undefined
  /** Absent only when the key comes from the environment. */
  readonly datadogApiKey?: Redacted.Redacted<string> | undefined
  /** The GitHub App's private key (PEM), when the secret holds it. */
  readonly githubAppPrivateKey?: Redacted.Redacted<string> | undefined
}

export interface SecretNeeds {
  /** A GitHub App is configured: `github_token` is not needed. */
  readonly githubApp?: boolean | undefined
  /** The environment sets a GitHub token: the secret need not hold `github_token`. */
  readonly githubTokenElsewhere?: boolean | undefined
  /** The environment sets a Datadog API key: the secret need not hold `datadog_api_key`. */
  readonly datadogApiKeyElsewhere?: boolean | undefined
  /** The GitHub App's key is not in the environment: the secret must hold `github_app_private_key`. */
  readonly githubAppPrivateKey?: boolean | undefined
}

/**
 * Reads the keys out of the secret string; says which is missing or malformed, never what is
 * there. Each key read is registered with the scrubber at once, before any check can fail.
 */
export const parseSecret = (secretId: string, text: string, needs: SecretNeeds = {}): Effect.Effect<Credentials, SecretError> => {
  let doc: unknown
  try {
    doc = YAML.load(text)
  } catch {
    return Effect.fail(new SecretError({ secretId, reason: "the secret string is neither JSON nor YAML" }))
  }
  const problems: Array<string> = []
  const field = (name: string, kind: "token" | "pem") => {
    if (typeof doc !== "object" || doc === null || !(name in doc)) return undefined
    const value = (doc as Record<string, unknown>)[name]
    if (typeof value !== "string" || value.trim() === "") return undefined
    registerSecret(value)
    // A key with control characters or spaces around it is refused, not trimmed: it was not set as meant.
    const problem = secretProblem(value, kind)
    if (problem !== undefined) problems.push(`${name} ${problem}`)
    return Redacted.make(kind === "pem" ? value.trim() : value)
  }
  const githubToken = field("github_token", "token")
  const datadogApiKey = field("datadog_api_key", "token")
  const githubAppPrivateKey = field("github_app_private_key", "pem")
  if (problems.length > 0) return Effect.fail(new SecretError({ secretId, reason: `the secret's ${problems.join("; ")}` }))
  const hasGitHub = githubToken !== undefined || needs.githubApp === true || needs.githubTokenElsewhere === true
  const hasKey = githubAppPrivateKey !== undefined || needs.githubAppPrivateKey !== true
  const hasDatadog = datadogApiKey !== undefined || needs.datadogApiKeyElsewhere === true
  const missing = [
    hasGitHub ? [] : ["github_token"],
    hasKey ? [] : ["github_app_private_key"],
    hasDatadog ? [] : ["datadog_api_key"]
  ].flat()
  return hasGitHub && hasKey && hasDatadog
    ? Effect.succeed({ githubToken, datadogApiKey, githubAppPrivateKey })
    : Effect.fail(new SecretError({ secretId, reason: `the secret has no ${missing.join(" and no ")} (a JSON or YAML mapping is expected)` }))
}

const describeAwsError = (e: unknown): string => {
  const name = typeof e === "object" && e !== null && "name" in e ? String(e.name) : "Error"
  const message = e instanceof Error ? e.message : String(e)
  return `${name}: ${message}`
}

/** Asks AWS Secrets Manager for the secret string (the SDK loaded now, on first use). */
const getSecretString = (ref: SecretRef): Effect.Effect<string, SecretError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager")
      const client = new SecretsManagerClient(ref.region ? { region: ref.region } : {})
      try {
        return await client.send(
          new GetSecretValueCommand({ SecretId: ref.secretId, ...(ref.versionId ? { VersionId: ref.versionId } : {}) }),
          { abortSignal: signal }
        )
      } finally {
        client.destroy()
      }
    },
    catch: (e) => new SecretError({ secretId: ref.secretId, reason: describeAwsError(e) })
  }).pipe(
    Effect.timeoutFail({
      duration: "10 seconds",
      onTimeout: () => new SecretError({ secretId: ref.secretId, reason: "Secrets Manager did not answer within 10s" })
    }),
    Effect.flatMap((out) =>
      out.SecretString === undefined
        ? Effect.fail(new SecretError({ secretId: ref.secretId, reason: "the secret has no SecretString (binary secrets are not read)" }))
        : Effect.succeed(out.SecretString)
    ),
    Effect.withSpan("SecretsManager.getSecretValue")
  )

/** Secret strings read by this process, by what was asked (id, version, region, endpoint). */
const read = new Map<string, string>()

/**
 * Where secret strings come from: AWS Secrets Manager, each secret asked once per process (a
 * read that failed is asked again next time). Tests provide another.
 */
export class SecretStore extends Context.Reference<SecretStore>()("github-ci-monitor/SecretStore", {
  defaultValue: (): { readonly secretString: (ref: SecretRef) => Effect.Effect<string, SecretError> } => ({
    secretString: (ref) =>
      Effect.suspend(() => {
        const endpoint = globalThis.process?.env?.["AWS_ENDPOINT_URL_SECRETS_MANAGER"] ?? globalThis.process?.env?.["AWS_ENDPOINT_URL"] ?? ""
        const key = JSON.stringify([ref.secretId, ref.versionId ?? "", ref.region ?? "", endpoint])
        const known = read.get(key)
        return known !== undefined
          ? Effect.succeed(known)
          : Effect.tap(getSecretString(ref), (text) => Effect.sync(() => read.set(key, text)))
      })
  })
}) {}

/** The credentials in the secret, read through the SecretStore (once per process from AWS). */
export const fetchSecret = (ref: SecretRef, needs: SecretNeeds = {}): Effect.Effect<Credentials, SecretError> =>
  Effect.flatMap(SecretStore, (store) => Effect.flatMap(store.secretString(ref), (text) => parseSecret(ref.secretId, text, needs)))
