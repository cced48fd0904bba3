/** AWS Lambda (nodejs22.x / nodejs24.x): the handler over Node's file system, paths and node:http. */
import { SystemError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Path from "@effect/platform/Path"
import * as NodePath from "@effect/platform-node/NodePath"
import { Context, Effect, Layer } from "effect"
import { makeHandler } from "../src/lambda/Handler.ts"
import * as BufferedHttpClient from "./node/BufferedHttpClient.ts"

/**
 * The two file operations the handler uses — reading CONFIG_FILE or the App's key file, and
 * looking for a configuration file — over node:fs/promises, loaded when first used (a handler
 * configured by CONFIG never is). NodeFileSystem.layer would serve as well, but it imports
 * node:fs, node:crypto and node:os at load: milliseconds of every cold start (`npm run bench`).
 */
const fsPromises = () => process.getBuiltinModule("node:fs/promises")

const fileReads = FileSystem.makeNoop({
  readFileString: (path) =>
    Effect.tryPromise({
      try: () => fsPromises().readFile(path, "utf8"),
      catch: (cause) =>
        new SystemError({
          module: "FileSystem",
          method: "readFileString",
          reason: (cause as NodeJS.ErrnoException).code === "ENOENT" ? "NotFound" : "Unknown",
          pathOrDescriptor: path,
          description: (cause as Error).message,
          cause
        })
    }),
  exists: (path) => Effect.promise(() => fsPromises().access(path).then(() => true, () => false))
})

/**
 * GitHub and Datadog over node:http(s) rather than fetch: fetch's first call loads and compiles
 * undici, the largest part of a cold start's first invocation (`npm run bench`), and the AWS SDK
 * loads node:https anyway. The client reads each answer whole (./node/BufferedHttpClient.ts says
 * why it is not NodeHttpClient). Connections are kept alive between requests, as Node's global
 * agent does. It follows no redirect: the GitHub client does.
 *
 * One layer builds all three services: merging layers costs a cold start hundreds of the
 * runtime's steps each (`npm run bench`).
 */
const services = Layer.scopedContext(Effect.gen(function*() {
  const http = yield* BufferedHttpClient.scoped({ keepAlive: true, scheduling: "lifo", timeout: 5000 })
  const path = yield* Effect.provide(Path.Path, NodePath.layer)
  return Context.make(HttpClient.HttpClient, http).pipe(
    Context.add(FileSystem.FileSystem, fileReads),
    Context.add(Path.Path, path)
  )
}))

export const handler = makeHandler(services)
