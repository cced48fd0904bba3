// The real Lambda bundle's handler (path in LAMBDA_BUNDLE), wrapped to print on stderr how much
// of the invocation's time was left when it settled: `{"remainingMs":N}`. Passed to
// test/support/invokeLambda.mjs instead of the bundle itself.
const { handler: inner } = await import(process.env.LAMBDA_BUNDLE)

export const handler = async (event, context) => {
  try {
    return await inner(event, context)
  } finally {
    process.stderr.write(`${JSON.stringify({ remainingMs: context.getRemainingTimeInMillis() })}\n`)
  }
}
