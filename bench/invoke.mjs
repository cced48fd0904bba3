// Cold-start runner: in a fresh process, import a handler module and call handler(event, context)
// once, then print one line `BENCH_RESULT {json}` with the in-process times (ms):
//   boot   — process start (performance.timeOrigin) to this module running
//   import — import() of the handler module
//   invoke — the first handler(event, context) call
// Usage: node bench/invoke.mjs MODULE   (exits 1 when the invocation rejected)
import { pathToFileURL } from "node:url"

const boot = performance.now()
const { handler } = await import(pathToFileURL(process.argv[2]).href)
const imported = performance.now()
const started = Date.now()
const event = { "detail-type": "Scheduled Event", source: "aws.events", time: new Date().toISOString(), detail: {} }
const context = { awsRequestId: "bench", functionName: "bench", getRemainingTimeInMillis: () => 30_000 - (Date.now() - started) }
let outcome
try {
  outcome = { ok: true, result: await handler(event, context) }
} catch (e) {
  outcome = { ok: false, error: e instanceof Error ? e.message : String(e) }
}
const done = performance.now()
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ ...outcome, boot, import: imported - boot, invoke: done - imported })}\n`)
process.exit(outcome.ok ? 0 : 1)
