import { Effect } from "effect"
import { checkRunsVerdict } from "../domain/Status.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import { CheckRunsPage } from "../github/Schemas.ts"
import { commitPath, perTarget } from "./StatusSource.ts"

/**
 * Every check run of the ref, all pages (`GET …/commits/{ref}/check-runs`). GitHub's default
 * `filter=latest` means a re-run that passed replaces the run that failed.
 */
export const CheckRuns = Effect.map(GitHubClient, (github) =>
  perTarget("check_runs", (target) =>
    github.getAll(`${commitPath(target)}/check-runs`, CheckRunsPage, (page) => page.check_runs).pipe(
      Effect.map((runs) => checkRunsVerdict(runs, target.failOn))
    )))
