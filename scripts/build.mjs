// Bundles the CLI into dist/cli.mjs, so `npx github-ci-monitor` starts fast on Node 20 and later
// (Node 20 cannot run TypeScript itself). Runs on `npm install` (prepare) and before the tests.
import { build } from "esbuild"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

await build({
  absWorkingDir: root,
  entryPoints: { cli: "entrypoints/cli.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  // @effect/cli pulls in CommonJS modules (ini) that call require(); an ESM bundle needs one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: "warning"
})
