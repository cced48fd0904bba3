// Bundles:
//   cli    → dist/cli.mjs, what `npx github-ci-monitor` runs (Node 20 cannot run TypeScript itself).
//            esbuild; built on `npm install` (prepare) and before the tests.
//   lambda → dist/lambda/index.mjs, the AWS Lambda handler (no CLI code; the AWS SDK is left to
//            the Lambda runtime, which ships it). Rollup, with esbuild only to strip types and
//            minify: Rollup drops what Effect's modules declare but the handler never uses, which
//            esbuild keeps (≈ 700 KB with esbuild alone, ≈ 305 KB with Rollup; the parse and compile of
//            those bytes is most of the import time on a cold start). `--metafile` writes
//            dist/lambda/index.meta.json: the bytes each module leaves in the bundle.
//   floor  → dist/bench/effect-floor.mjs, the benchmark's least Effect handler, bundled the same way.
// Usage: node scripts/build.mjs [cli|lambda|floor|all] [--metafile]   (all: cli and lambda)
import { nodeResolve } from "@rollup/plugin-node-resolve"
import { build, transform } from "esbuild"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { rollup } from "rollup"

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

// Split: the AWS SDK, imported only when `secret_id` is set, stays in a chunk of its own that a
// run without it never parses (dist/chunks/).
const cli = {
  ...common,
  entryPoints: { cli: "entrypoints/cli.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  // ESM builds where packages have them: esbuild splits ES modules cleanly (the SDK's CommonJS build broke).
  mainFields: ["module", "main"],
  chunkNames: "chunks/[name]-[hash]",
  target: "node20",
  sourcemap: "linked"
}

const buildCli = async () => {
  // Chunk names carry a hash: old ones would pile up.
  rmSync(path.join(root, "dist", "chunks"), { recursive: true, force: true })
  await build(cli)
}

/**
 * A package imported but never used by the handler gets an empty module in its place: fast-check,
 * for Schema's Arbitrary support (the handler generates no test data; Rollup would drop it too,
 * warning about the code of its random generator). The Lambda tests run this very bundle, so a
 * use of it at run time would fail there.
 */
const unused = new Set(["fast-check"])
const withoutUnused = {
  name: "without-unused",
  resolveId: (id) => (unused.has(id) ? `\0unused:${id}` : null),
  load: (id) => (id.startsWith("\0unused:") ? "export {}" : null)
}

/**
 * Node's built-in modules, taken with `process.getBuiltinModule` instead of an ESM import. An
 * ESM import of a built-in builds a facade that reads every export once, getters included:
 * node:http's `WebSocket`, `CloseEvent` and `MessageEvent` getters then load undici, tens of
 * milliseconds of a cold start for a handler that never uses them (`npm run bench`). Each
 * built-in here exports the plain values the module has on the Node that builds; a getter, or a
 * name the module lacks, fails the build rather than the Lambda.
 */
const builtinsWithoutFacade = {
  name: "builtins-without-facade",
  resolveId: (id) => (id.startsWith("node:") ? { id: `\0builtin:${id}`, moduleSideEffects: false } : null),
  load: (id) => {
    if (!id.startsWith("\0builtin:")) return null
    const name = id.slice("\0builtin:".length)
    const plain = Object.entries(Object.getOwnPropertyDescriptors(process.getBuiltinModule(name)))
      .filter(([key, d]) => !d.get && /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default")
      .map(([key]) => key)
    return [
      `const m = process.getBuiltinModule(${JSON.stringify(name)})`,
      "export default m",
      ...plain.map((key) => `export const ${key} = m.${key}`)
    ].join("\n")
  }
}

/** Relative imports carry `.ts` (RUNTIMES.md): esbuild strips the types, module by module. */
const typescript = {
  name: "typescript",
  transform: async (code, id) => {
    if (!id.endsWith(".ts")) return null
    const out = await transform(code, { loader: "ts", format: "esm", target: "node22", sourcefile: id })
    return { code: out.code, map: null }
  }
}

const minify = {
  name: "minify",
  renderChunk: async (code) => {
    const out = await transform(code, { minify: true, format: "esm", target: "node22", legalComments: "none" })
    return { code: out.code, map: null }
  }
}

/**
 * One ESM file for the Lambda runtime from `input`, written to `out` (both relative to the
 * root); prints its size and returns Rollup's chunk.
 */
const rollupBundle = async (input, out) => {
  const bundle = await rollup({
    input: path.join(root, input),
    external: (id) => id.startsWith("@aws-sdk/"),
    plugins: [
      withoutUnused,
      builtinsWithoutFacade,
      nodeResolve({ extensions: [".ts", ".mjs", ".js", ".json"], exportConditions: ["node"], preferBuiltins: true }),
      typescript
    ],
    onwarn: (warning, warn) => {
      // Schema reads `FastCheck.array` and the like off the empty module above: undefined, unused.
      if (warning.code === "MISSING_EXPORT" && /effect\/dist\/esm\/FastCheck\.js$/.test(warning.exporter ?? "")) return
      warn(warning)
    }
  })
  const { output } = await bundle.generate({ format: "es", plugins: [minify] })
  await bundle.close()
  const outfile = path.join(root, out)
  mkdirSync(path.dirname(outfile), { recursive: true })
  const [chunk] = output
  writeFileSync(outfile, chunk.code)
  console.error(`${out}: ${(Buffer.byteLength(chunk.code) / 1024).toFixed(0)} KB`)
  return chunk
}

/**
 * With `--metafile`, esbuild's metafile shape (outputs → inputs → bytesInOutput) next to the
 * bundle, so bench/run.mjs and https://esbuild.github.io/analyze/ read it. A module's bytes:
 * what Rollup kept of it, minified on its own (its top-level names are not shortened there, so
 * a little high).
 */
const writeMetafile = async (chunk, out) => {
  const inputs = {}
  for (const [id, m] of Object.entries(chunk.modules)) {
    if (!m.code) continue
    const small = await transform(m.code, { minify: true, target: "node22" })
    inputs[path.relative(root, id).replace(/^\0/, "")] = { bytesInOutput: Buffer.byteLength(small.code) }
  }
  const file = out.replace(/\.mjs$/, ".meta.json")
  writeFileSync(path.join(root, file), JSON.stringify({ inputs, outputs: { [out]: { bytes: Buffer.byteLength(chunk.code), inputs } } }))
  console.error(`metafile: ${file}`)
}

const rollupTarget = (input, out) => async () => {
  const chunk = await rollupBundle(input, out)
  if (metafile) await writeMetafile(chunk, out)
}

const buildLambda = rollupTarget("entrypoints/lambda.ts", "dist/lambda/index.mjs")
const buildFloor = rollupTarget("bench/effect-floor-handler.ts", "dist/bench/effect-floor.mjs")

const builders = { cli: buildCli, lambda: buildLambda, floor: buildFloor }
for (const name of which === "all" ? ["cli", "lambda"] : [which]) {
  const run = builders[name]
  if (!run) throw new Error(`unknown build target ${name}; use cli, lambda or all`)
  await run()
}
