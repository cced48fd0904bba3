import { Effect } from "effect"
import { checkSuitesVerdict } from "../domain/Status.ts"
import { GitHubClient } from "../github/GitHubClient.ts"
import type { CheckSuite } from "../github/Schemas.ts"
import { CheckSuitesPage } from "../github/Schemas.ts"
import { commitPath, perTarget } from "./StatusSource.ts"

const suiteInput = (s: CheckSuite) => ({
  status: s.status,
  conclusion: s.conclusion,
  name: s.app?.name ?? s.app?.slug ?? `check suite ${s.id}`,
  latest_check_runs_count: s.latest_check_runs_count,
  // Suites have no page of their own; the commit's checks page lists them.
  url: s.repository ? `${s.repository.html_url}/commit/${s.head_sha}/checks` : undefined
})

/** Every check suite of the ref, all pages (`GET …/commits/{ref}/check-suites`). */
export const CheckSuites = Effect.map(GitHubClient, (github) =>
  perTarget("check_suites", (target) =>
    github.getAll(`${commitPath(target)}/check-suites`, CheckSuitesPage, (page) => page.check_suites).pipe(
      Effect.map((suites) => checkSuitesVerdict(suites.map(suiteInput), target.failOn))
    )))
