/**
 * Where a cycle's service checks go. Delivery never fails as an Effect: what could not be
 * delivered comes back in the report, with why, so the caller can say so and exit 1.
 */
import { Context, type Effect, FiberRef } from "effect"
import type { CheckStatus } from "../domain/Status.ts"

/** Datadog's service check, as `POST /api/v1/check_run` takes it. */
export interface ServiceCheck {
  readonly check: string
  readonly host_name: string
  readonly status: CheckStatus
  readonly tags: ReadonlyArray<string>
  readonly message: string
  /** Seconds since the epoch. */
  readonly timestamp: number
}

export interface DeliveryFailure {
  readonly checks: ReadonlyArray<ServiceCheck>
  readonly reason: string
}

export interface DeliveryReport {
  /** Where the checks went, for a person: `Datadog (https://api.datadoghq.eu)`, `stdout`. */
  readonly destination: string
  readonly delivered: number
  readonly failures: ReadonlyArray<DeliveryFailure>
}

export interface SinkShape {
  readonly deliver: (checks: ReadonlyArray<ServiceCheck>) => Effect.Effect<DeliveryReport>
}

export class Sink extends Context.Tag("github-ci-monitor/Sink")<Sink, SinkShape>() {}

/** `repo:api` → `api`, from a check's tags. */
export const tagValue = (check: ServiceCheck, name: string): string | undefined =>
  check.tags.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1)

/** `owner/repo@ref` of a target's check; undefined for the self-check, which has no `repo` tag. */
export const checkTarget = (check: ServiceCheck): string | undefined => {
  const owner = tagValue(check, "owner")
  const repo = tagValue(check, "repo")
  return owner && repo ? `${owner}/${repo}@${tagValue(check, "ref") ?? ""}` : undefined
}

/**
 * When the checks must be delivered by (epoch ms), if there is such a time — a Lambda
 * invocation's end. A sink spends no longer than that on a delivery, so it can still say what
 * it could not deliver instead of being cut off.
 */
export const deliveryDeadline = FiberRef.unsafeMake<number | undefined>(undefined)
