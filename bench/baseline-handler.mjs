// The cold-start baseline: what the Lambda does for one target, with plain fetch and no Effect —
// the three GitHub requests (side by side), then one Datadog POST with the target's check and the
// self-check. Same env vars as the real handler; the target is fixed (acme/api@main).
// `makeHandler` takes the transport: bench/baseline-http-handler.mjs runs the same over node:http.
const env = (name, fallback) => process.env[name] || fallback
const target = { owner: "acme", repo: "api", ref: "main" }
const failing = new Set(["failure", "timed_out", "startup_failure", "action_required"])

/** request(url, { method, headers, body }) → { status, text } */
export const makeHandler = (request) => {
  const getJson = async (path) => {
    const response = await request(`${env("GITHUB_API_URL", "https://api.github.com")}${path}`, {
      method: "GET",
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "baseline",
        ...(process.env.GITHUB_TOKEN ? { authorization: `Bearer ${process.env.GITHUB_TOKEN}` } : {})
      }
    })
    if (response.status !== 200) throw new Error(`GitHub answered ${response.status} for ${path}`)
    return JSON.parse(response.text)
  }
  return async () => {
    const base = `/repos/${target.owner}/${target.repo}/commits/${encodeURIComponent(target.ref)}`
    const [status, runs, suites] = await Promise.all([
      getJson(`${base}/status?per_page=100`),
      getJson(`${base}/check-runs?per_page=100`),
      getJson(`${base}/check-suites?per_page=100`)
    ])
    const bad = [
      ...(status.state === "failure" ? ["status"] : []),
      ...runs.check_runs.filter((r) => failing.has(r.conclusion)).map((r) => r.name),
      ...suites.check_suites.filter((s) => failing.has(s.conclusion)).map((s) => `suite ${s.id}`)
    ]
    const timestamp = Math.floor(Date.now() / 1000)
    const tags = [`owner:${target.owner}`, `repo:${target.repo}`, `ref:${target.ref}`]
    const checks = [
      { check: "ci.ok", host_name: "github-ci-monitor", status: bad.length ? 1 : 0, tags, message: bad.join(", ") || "ok", timestamp },
      { check: "github_ci_monitor.up", host_name: "github-ci-monitor", status: 0, tags: [], message: "1 target", timestamp }
    ]
    const response = await request(`${env("DD_API_URL", "https://api.datadoghq.com")}/api/v1/check_run`, {
      method: "POST",
      headers: { "content-type": "application/json", "dd-api-key": env("DD_API_KEY", ""), accept: "application/json" },
      body: JSON.stringify(checks)
    })
    if (response.status < 200 || response.status >= 300) throw new Error(`Datadog answered ${response.status}`)
    return { targets: 1, ok: bad.length ? 0 : 1, failing: bad.length ? 1 : 0, unknown: 0, delivered: checks.length }
  }
}

export const handler = makeHandler(async (url, init) => {
  const response = await fetch(url, init)
  return { status: response.status, text: await response.text() }
})
