// Bundles with esbuild:
//   cli    → dist/cli.mjs, what `npx github-ci-monitor` runs (Node 20 cannot run TypeScript itself).
//            Built on `npm install` (prepare) and before the tests.
//   lambda → dist/lambda/index.mjs, the AWS Lambda handler (no CLI code; the AWS SDK is left to
//            the Lambda runtime, which ships it). `--metafile` writes what the bundle contains.
// Usage: node scripts/build.mjs [cli|lambda|all] [--metafile]
import { build } from "esbuild"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const which = process.argv[2] ?? "cli"
const metafile = process.argv.includes("--metafile")

// CommonJS dependencies (ini under @effect/cli, parts of the AWS SDK) call require(); an ESM
// bundle needs one.
const requireBanner = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);"

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  minify: true,
  legalComments: "none",
  banner: { js: requireBanner },
  logLevel: "warning",
  metafile: true
}

/**
 * Schema's Arbitrary support pulls in fast-check (≈ 45 KB) though the handler never generates
 * test data: the Lambda bundle gets an empty module in its place. The Lambda tests run this very
 * bundle, so a use of it at run time would fail there.
 */
const withoutFastCheck = {
  name: "without-fast-check",
  setup(b) {
    b.onResolve({ filter: /^fast-check$/ }, () => ({ path: "fast-check", namespace: "stub" }))
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export {}", loader: "js" }))
  }
}

const targets = {
  cli: { ...common, entryPoints: ["entrypoints/cli.ts"], outfile: "dist/cli.mjs", target: "node20", sourcemap: "linked" },
  lambda: {
    ...common,
    entryPoints: ["entrypoints/lambda.ts"],
    outfile: "dist/lambda/index.mjs",
    target: "node22",
    external: ["@aws-sdk/*"],
    plugins: [withoutFastCheck]
  }
}

for (const name of which === "all" ? Object.keys(targets) : [which]) {
  const options = targets[name]
  if (!options) throw new Error(`unknown build target ${name}; use cli, lambda or all`)
  const result = await build(options)
  const bytes = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith(".map")).reduce((n, [, o]) => n + o.bytes, 0)
  if (metafile) {
    const file = options.outfile.replace(/\.mjs$/, ".meta.json")
    writeFileSync(file, JSON.stringify(result.metafile))
    console.error(`${options.outfile}: ${(bytes / 1024).toFixed(0)} KB (metafile: ${file}; inspect at https://esbuild.github.io/analyze/)`)
  } else if (name !== "cli") {
    console.error(`${options.outfile}: ${(bytes / 1024).toFixed(0)} KB`)
  }
}
