import { Effect, Layer } from "effect"
import { CheckRuns } from "./CheckRuns.ts"
import { CheckSuites } from "./CheckSuites.ts"
import { CommitStatus } from "./CommitStatus.ts"
import { StatusSources } from "./StatusSource.ts"

/** The three REST sources of DESIGN.md, each asked only for the targets that enable it. */
export const makeRestSources = Effect.all([CommitStatus, CheckRuns, CheckSuites])

export const RestSources = Layer.effect(StatusSources, makeRestSources)
