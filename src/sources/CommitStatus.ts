import { Effect } from "effect"
import { commitStatusVerdict } from "../domain/Status.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import { CombinedStatus } from "../github/Schemas.ts"
import { commitPath, perTarget } from "./StatusSource.ts"

/** The combined commit status (`GET …/commits/{ref}/status`). */
export const CommitStatus = Effect.map(GitHubClient, (github) =>
  perTarget("status", (target) =>
    github.get(`${commitPath(target)}/status`, CombinedStatus, { per_page: "100" }).pipe(
      Effect.map(commitStatusVerdict)
    )))
