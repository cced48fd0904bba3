// The Lambda bundle's handler (path in LAMBDA_BUNDLE), with SPACE_MS of idle time before every
// invocation but the first — a warm container called again later. Passed to
// test/support/invokeLambda.mjs instead of the bundle itself.
const { handler: inner } = await import(process.env.LAMBDA_BUNDLE)
let calls = 0

export const handler = async (event, context) => {
  if (calls++ > 0) await new Promise((resolve) => setTimeout(resolve, Number(process.env.SPACE_MS ?? 0)))
  return inner(event, context)
}
