/** Kept equal to package.json's version (a test checks it). */
export const VERSION = "0.1.0"

/** What every request to GitHub and Datadog says it is. */
export const userAgent = `github-ci-monitor/${VERSION}`
