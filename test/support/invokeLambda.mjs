// Invokes the built Lambda bundle as Lambda would, in this fresh process: import the module,
// then call `handler(event, context)` once per `INVOCATIONS` (default 1). Prints one JSON line per
// invocation ({ ok, result } or { ok: false, error }) and exits 0 when every invocation resolved.
const bundle = process.argv[2] ?? new URL("../../dist/lambda/index.mjs", import.meta.url).pathname
const { handler } = await import(bundle)
const event = {
  ...(process.env.LAMBDA_EVENT_SHARD ? { shard: process.env.LAMBDA_EVENT_SHARD } : {}),
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/github-ci-monitor"],
  detail: {}
}
const budget = Number(process.env.LAMBDA_TIMEOUT_MS ?? 30000)
let failed = 0
for (let i = 0; i < Number(process.env.INVOCATIONS ?? 1); i++) {
  const started = Date.now()
  const context = {
    awsRequestId: `req-${i}`,
    functionName: "github-ci-monitor",
    getRemainingTimeInMillis: () => budget - (Date.now() - started)
  }
  try {
    const result = await handler(event, context)
    console.log(JSON.stringify({ ok: true, result }))
  } catch (e) {
    failed++
    console.log(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }))
  }
}
process.exit(failed ? 1 : 0)
