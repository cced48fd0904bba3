import { Data } from "effect"
import type { UnknownReason } from "../domain/Verdict.ts"

/**
 * Everything that can go wrong asking GitHub, as one error with a `reason` a person can act on.
 * The cycle turns it into status 3 for the one target it concerns. Never holds a secret.
 */
export class GitHubError extends Data.TaggedError("GitHubError")<{
  readonly reason: UnknownReason
  /** A line for the check message: what happened and, where it helps, what to do. */
  readonly detail: string
  readonly status?: number | undefined
  /** For rate limits: when GitHub will answer again. */
  readonly resetAt?: Date | undefined
  /** GitHub's secondary (per-minute) limit, which pauses the whole credential, not the quota. */
  readonly secondary?: boolean | undefined
}> {
  override get message(): string {
    return this.detail
  }

  /** Worth another try within the same cycle. */
  get transient(): boolean {
    return this.reason === "server_error" || this.reason === "transport" || this.reason === "timeout"
  }
}
