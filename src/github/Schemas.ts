/**
 * The parts of GitHub's REST answers that the status rules read. Only what is used is declared
 * (extra fields pass); enum-like fields stay strings so a value GitHub adds later still decodes.
 */
import { Schema } from "effect"

const Url = Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true })

/** `GET /repos/{owner}/{repo}/commits/{ref}/status` */
export const CombinedStatus = Schema.Struct({
  state: Schema.String,
  sha: Schema.optionalWith(Schema.String, { exact: true }),
  statuses: Schema.Array(Schema.Struct({
    context: Schema.String,
    state: Schema.String,
    target_url: Url,
    description: Url
  }))
})
export type CombinedStatus = typeof CombinedStatus.Type

export const CheckRun = Schema.Struct({
  name: Schema.String,
  status: Schema.String,
  conclusion: Schema.NullOr(Schema.String),
  html_url: Url,
  details_url: Url
})

/** `GET /repos/{owner}/{repo}/commits/{ref}/check-runs` (one page) */
export const CheckRunsPage = Schema.Struct({
  total_count: Schema.Number,
  check_runs: Schema.Array(CheckRun)
})

export const CheckSuite = Schema.Struct({
  id: Schema.Number,
  status: Schema.NullOr(Schema.String),
  conclusion: Schema.NullOr(Schema.String),
  head_sha: Schema.String,
  latest_check_runs_count: Schema.optionalWith(Schema.Number, { exact: true }),
  app: Schema.optionalWith(
    Schema.NullOr(Schema.Struct({
      name: Schema.String,
      slug: Schema.optionalWith(Schema.String, { exact: true })
    })),
    { exact: true }
  ),
  repository: Schema.optionalWith(Schema.Struct({ html_url: Schema.String }), { exact: true })
})
export type CheckSuite = typeof CheckSuite.Type

/** `GET /repos/{owner}/{repo}/commits/{ref}/check-suites` (one page) */
export const CheckSuitesPage = Schema.Struct({
  total_count: Schema.Number,
  check_suites: Schema.Array(CheckSuite)
})
