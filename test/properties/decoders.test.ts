/**
 * Property tests (fast-check) of everything that reads outside input: the configuration decoder
 * and parser, GitHub's response Schemas, and the GitHub client over HTTP. Whatever comes in,
 * the answer is a value or a typed error: never an exception, never a defect.
 */
import { readFileSync } from "node:fs"
import { Arbitrary, Cause, Effect, Either, Exit, Fiber, Option, Schema, TestClock, TestContext } from "effect"
import fc from "fast-check"
import * as YAML from "js-yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { datadogSites, decodeConfig, parseConfig, refProblem } from "../../src/config/ConfigFile.ts"
import { conclusions } from "../../src/domain/Target.ts"
import { GitHubClient, nextLink } from "../../src/github/GitHubClient.ts"
import { GitHubError } from "../../src/github/GitHubError.ts"
import * as Schemas from "../../src/github/Schemas.ts"
import { gitHubClientLayer } from "../support/GitHubClientLayer.ts"
import { listen } from "../support/http.ts"
import type { Listening } from "../support/http.ts"

const RUNS = 200
const HTTP_RUNS = 50

// ---------------------------------------------------------------------------------------------
// Generators

/** `(top level): …`, `repos[0].owner: …`: every problem names where it is. */
const expectProblems = (result: Either.Either<unknown, ReadonlyArray<string>>) => {
  expect(Either.isEither(result)).toBe(true)
  if (Either.isLeft(result)) {
    expect(Array.isArray(result.left)).toBe(true)
    expect(result.left.length).toBeGreaterThan(0)
    for (const problem of result.left) {
      expect(typeof problem).toBe("string")
      expect(problem).toMatch(/^[^\n]+?: \S/s)
    }
  }
}

const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,11}$/)
// Refs as git allows them (no `..`, no trailing `.` or `/`, …): the generator draws, the rule filters.
const ref = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,15}$/).filter((r) => refProblem(r) === undefined)
const tags = fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,7}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 })
const failOn = fc.subarray([...conclusions])
/** Sources as written: none named (all three on), or at least one set to true. */
const sources = fc.constantFrom<Record<string, boolean>>(
  {},
  { status: true },
  { check_run: true, check_suite: false },
  { status: false, check_run: true, check_suite: true },
  { check_suite: true }
)
const entry = fc
  .tuple(
    fc.record({ owner: name, repo: name, ref }),
    sources,
    fc.record({ tags, fail_on: failOn }, { requiredKeys: [] })
  )
  .map(([id, s, extra]) => ({ ...id, ...s, ...extra }))

/** A configuration the decoder accepts: targets unique (owner/repo case-insensitively), each with a source. */
const validConfig = fc.record({
  repos: fc.uniqueArray(entry, { minLength: 1, maxLength: 4, selector: (e) => `${e.owner.toLowerCase()}/${e.repo.toLowerCase()}@${e.ref}` }),
  check_name: name,
  tags,
  host_name: name,
  fail_on: failOn,
  failing_status: fc.constantFrom(1, 2),
  concurrency: fc.integer({ min: 1, max: 100 }),
  self_check_name: name,
  github_api_url: fc.webUrl(),
  dd_site: fc.constantFrom(...datadogSites),
  dd_api_url: fc.webUrl(),
  log_level: fc.constantFrom("debug", "info", "warn", "error"),
  secret_id: name
}, { requiredKeys: ["repos"] })

type Json = unknown
/** Every path to a value inside `value` (objects and arrays), the root included. */
const pathsOf = (value: Json, at: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const here = [at]
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))]
  if (typeof value === "object" && value !== null) return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))]
  return here
}

type Edit =
  | { readonly op: "replace"; readonly value: unknown }
  | { readonly op: "delete" }
  | { readonly op: "extra"; readonly key: string; readonly value: unknown }

/** `value` with one edit at the `pick`-th path (a deep copy; the original is untouched). */
const mutate = (value: Json, pick: number, edit: Edit): unknown => {
  const copy = structuredClone(value) as unknown
  const paths = pathsOf(copy)
  const path = paths[pick % paths.length] ?? []
  if (path.length === 0) return edit.op === "replace" ? edit.value : copy
  let parent = copy as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  // Own properties, even for a key like `__proto__`, as JSON.parse and js-yaml make them.
  const set = (o: object, key: string | number, value: unknown) =>
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
  if (edit.op === "replace") set(parent, last, edit.value)
  else if (edit.op === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1)
    else delete parent[last]
  } else {
    const target = parent[last]
    if (typeof target === "object" && target !== null && !Array.isArray(target)) set(target, edit.key, edit.value)
    else set(parent, last, set({}, edit.key, edit.value))
  }
  return copy
}

const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, "", 0, -1, 1.5, true, [], {}, "x".repeat(600), "\u0000", "__proto__", "constructor")
)
const edit = (values: fc.Arbitrary<unknown>): fc.Arbitrary<Edit> =>
  fc.oneof(
    values.map((value): Edit => ({ op: "replace", value })),
    fc.constant<Edit>({ op: "delete" }),
    fc.tuple(fc.oneof(fc.string(), fc.constantFrom("toString", "__proto__", "repos", "owner")), values).map(([key, value]): Edit => ({
      op: "extra",
      key,
      value
    }))
  )

/** A value that contains itself, as a YAML alias to its own anchor produces (`a: &x [*x]`). */
const selfReferential = fc.constantFrom("array", "object", "nested").map((kind) => {
  if (kind === "array") {
    const a: Array<unknown> = []
    a.push(a)
    return a
  }
  const o: Record<string, unknown> = { k: 1 }
  o["self"] = kind === "object" ? o : [o]
  return o
})

/** Text that is YAML-shaped often enough to reach the decoder: keys, anchors, aliases, tags, flow and block syntax. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "repos:", "\n", "  ", "- ", "owner: ", "repo: ", "ref: ", "main", "acme", "api", "status: ", "true", "false", "null",
        "tags: ", "fail_on: ", "dd_site: ", "github_api_url: ", "concurrency: ", "failing_status: ", "check_name: ",
        "&a ", "*a", "&b ", "*b", "<<: *a", "!!binary ", "!!set ", "!!timestamp ", "!!float ", "!!str ", "!!map ", "!!seq ",
        "!<tag:yaml.org,2002:str> ", "!custom ", "? ", ": ", "{", "}", "[", "]", ", ", "'", "\"", "#", "---\n", "...\n",
        "%YAML 1.2\n", "|\n", ">\n", "\t", "2001-12-14t21:59:43.10-05:00", "0x1F", "1e400", ".nan", "~"
      ),
      fc.string({ maxLength: 6 })
    ),
    { maxLength: 40 }
  )
  .map((parts) => parts.join(""))

// ---------------------------------------------------------------------------------------------

describe("the configuration decoder never throws", () => {
  it("decodes every generated valid configuration (so the mutations below start from valid input)", () => {
    fc.assert(
      fc.property(validConfig, (config) => {
        const result = decodeConfig(config)
        expect(Either.isRight(result), JSON.stringify(Either.isLeft(result) ? result.left : [])).toBe(true)
        expect(Either.isRight(parseConfig(JSON.stringify(config)))).toBe(true)
      }),
      { numRuns: RUNS }
    )
  })

  it("decodeConfig(fc.anything()): a configuration or `path: message` problems", () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withObjectString: true
    })
    fc.assert(fc.property(anything, (input) => expectProblems(decodeConfig(input))), { numRuns: RUNS })
  })

  it("decodeConfig(fc.jsonValue()), alone and as `repos` or as one entry of it", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        expectProblems(decodeConfig(input))
        expectProblems(decodeConfig({ repos: input }))
        expectProblems(decodeConfig({ repos: [input] }))
      }),
      { numRuns: RUNS }
    )
  })

  it("decodeConfig of a valid configuration with one value replaced, deleted or added", () => {
    fc.assert(
      fc.property(validConfig, fc.nat(), edit(jsonish), (config, pick, e) => expectProblems(decodeConfig(mutate(config, pick, e)))),
      { numRuns: RUNS }
    )
  })

  it("parseConfig(any string): a configuration or problems, never an exception", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), yamlish), (text) => expectProblems(parseConfig(text))),
      { numRuns: RUNS }
    )
  })

  it("parseConfig of a valid configuration, mutated, then written as YAML and as JSON text", () => {
    fc.assert(
      fc.property(validConfig, fc.nat(), edit(jsonish), fc.nat({ max: 200 }), (config, pick, e, cut) => {
        const mutated = mutate(config, pick, e)
        const yaml = YAML.dump(mutated)
        expectProblems(parseConfig(yaml))
        expectProblems(parseConfig(yaml.slice(0, cut)))
        expectProblems(parseConfig(JSON.stringify(mutated)))
      }),
      { numRuns: RUNS }
    )
  })

  it("parseConfig of YAML whose aliases make a value contain itself (`dd_site: &x [*x]`) gives problems, not an exception", () => {
    fc.assert(
      fc.property(validConfig, fc.nat(), selfReferential, (config, pick, value) => {
        // js-yaml writes the cycle as an anchor and an alias, and reads it back as a cycle.
        const text = YAML.dump(mutate(config, pick, { op: "replace", value }))
        let result: unknown
        expect(() => (result = parseConfig(text)), text).not.toThrow()
        expectProblems(result as Either.Either<unknown, ReadonlyArray<string>>)
      }),
      { numRuns: RUNS }
    )
  })

  it("examples: a self-referential alias under dd_site, github_api_url or fail_on", () => {
    const entry = "{owner: acme, repo: api, ref: main}"
    for (const text of [
      `dd_site: &x {k: *x}\nrepos: [${entry}]`,
      `github_api_url: &x [*x]\nrepos: [${entry}]`,
      `repos: [{owner: acme, repo: api, ref: main, fail_on: &x [*x]}]`
    ]) {
      let result: Either.Either<unknown, ReadonlyArray<string>> | undefined
      expect(() => (result = parseConfig(text)), text).not.toThrow()
      expect(result && Either.isLeft(result)).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------

const fixtures = JSON.parse(readFileSync(new URL("../fixtures/github-examples.json", import.meta.url), "utf8")) as Record<string, unknown>

/** Every Schema exported by Schemas.ts, by name. */
const responseSchemas: ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown, never>]> = Object.entries(Schemas).flatMap((
  [n, s]
) => (Schema.isSchema(s) ? [[n, s as unknown as Schema.Schema<unknown, unknown, never>] as const] : []))

/** GitHub's own example for a Schema, where the fixtures hold one. */
const exampleFor: Record<string, string> = {
  CombinedStatus: "combined-commit-status",
  CheckRun: "check-run",
  CheckRunsPage: "check-run-paginated",
  CheckSuite: "check-suite",
  CheckSuitesPage: "check-suite-paginated"
}

describe("the response Schemas never throw", () => {
  it("covers every Schema in Schemas.ts", () => {
    expect(responseSchemas.map(([n]) => n).sort()).toEqual(Object.keys(exampleFor).sort())
  })

  for (const [schemaName, schema] of responseSchemas) {
    const decode = Schema.decodeUnknownEither(schema)
    const example = fixtures[exampleFor[schemaName] ?? ""]

    it(`${schemaName}: GitHub's example decodes; fc.anything() and fc.jsonValue() decode or fail with a ParseError`, () => {
      expect(Either.isRight(decode(example))).toBe(true)
      fc.assert(
        fc.property(fc.oneof(fc.anything({ withNullPrototype: true, withBoxedValues: true, withDate: true }), fc.jsonValue()), (input) => {
          const result = decode(input)
          expect(Either.isEither(result)).toBe(true)
          if (Either.isLeft(result)) expect(result.left._tag).toBe("ParseError")
        }),
        { numRuns: RUNS }
      )
    })

    it(`${schemaName}: values of its own Arbitrary decode; GitHub's example and those values, mutated, never throw`, () => {
      const valid = Arbitrary.make(schema)
      const encode = Schema.encodeSync(schema)
      fc.assert(
        fc.property(valid, fc.nat(), edit(jsonish), (value, pick, e) => {
          const encoded = encode(value)
          expect(Either.isRight(decode(encoded))).toBe(true)
          for (const input of [mutate(encoded, pick, e), mutate(example, pick, e)]) {
            const result = decode(input)
            if (Either.isLeft(result)) expect(result.left._tag).toBe("ParseError")
          }
        }),
        { numRuns: RUNS }
      )
    })
  }
})

describe("nextLink never throws", () => {
  it("on any Link header it gives undefined or the text between <> of one part", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `<${s}>; rel="next"`)), (header) => {
        const next = nextLink(header)
        if (next !== undefined) expect(header).toContain(`<${next}>`)
      }),
      { numRuns: RUNS }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// The client over HTTP, answering whatever the server says.

interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}
let server: Listening
/** What the server answers the next request with, then the ones after it. */
let answers: { first: Answer; rest: Answer } = { first: { status: 200, headers: {}, body: "" }, rest: { status: 200, headers: {}, body: "" } }
let served = 0

beforeAll(async () => {
  server = await listen((_req, res) => {
    const answer = served++ === 0 ? answers.first : answers.rest
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
    res.end(answer.body)
  })
})
afterAll(() => server.close())

const answering = (first: Answer, rest: Answer = first) =>
  Effect.sync(() => {
    answers = { first, rest }
    served = 0
  })

/** A fresh client (its own cache and rate-limit view) per case. */
const clientLayer = () =>
  gitHubClientLayer(server.url, "ghp_PropertyToken", { concurrency: 4, requestTimeout: "1 hour", userAgent: "github-ci-monitor-properties" })

/**
 * Runs `effect` with the TestClock, moving it 10 s at a time (waiting a little in real time for
 * the HTTP exchange in between) until it is done, so retries and waits cost no real time.
 */
const runDriven = <A>(effect: Effect.Effect<A, GitHubError, GitHubClient>): Promise<Exit.Exit<A, GitHubError>> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(effect)
      for (let i = 0; i < 200 && Option.isNone(yield* Fiber.poll(fiber)); i++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
        yield* TestClock.adjust("10 seconds")
      }
      return yield* Fiber.await(fiber)
    }).pipe(Effect.provide(clientLayer()), Effect.provide(TestContext.TestContext))
  )

/** A value, or a `GitHubError` as a typed failure: no defect, no interruption. */
const expectTyped = <A>(exit: Exit.Exit<A, GitHubError>, reasons?: ReadonlyArray<string>) => {
  if (Exit.isFailure(exit)) {
    expect(Cause.isDieType(exit.cause) || Cause.dieOption(exit.cause)._tag === "Some", `a defect: ${Cause.pretty(exit.cause)}`).toBe(false)
    expect(Cause.isInterruptedOnly(exit.cause)).toBe(false)
    const error = Cause.failureOption(exit.cause)
    expect(Option.isSome(error)).toBe(true)
    if (Option.isSome(error)) {
      expect(error.value).toBeInstanceOf(GitHubError)
      if (reasons) expect(reasons).toContain(error.value.reason)
    }
  }
}

const statusJson = Arbitrary.make(Schemas.CombinedStatus).map((v) => JSON.stringify(Schema.encodeSync(Schemas.CombinedStatus)(v)))
const bodies = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  statusJson,
  statusJson.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n))),
  fc.constantFrom("", "null", "[]", "{}", "<html>Unicorn!</html>", `{"state":"success"}`, `{"state":"success","statuses":[]}`)
)
/** Numbers as a header might carry them, including ones no Date can hold. */
const headerNumber = fc.oneof(
  {
    arbitrary: fc.constantFrom("0", "-1", "", "abc", "1e20", "Infinity", "-Infinity", "NaN", "9007199254740993", "0x10", " 5 "),
    weight: 4
  },
  fc.integer({ min: -100, max: 0 }).map(String),
  fc.integer({ min: 4_000_000_000, max: 9_000_000_000 }).map(String)
)
const rateHeaders = fc.record(
  { "x-ratelimit-remaining": headerNumber, "x-ratelimit-reset": headerNumber, "retry-after": headerNumber },
  { requiredKeys: [] }
)

const statusPath = "/repos/acme/api/commits/main/status"
const runsPath = "/repos/acme/api/commits/main/check-runs"

describe("GitHubClient.get over HTTP never dies", () => {
  it("200 with any body: the decoded body, or GitHubError unexpected_response", async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const exit = await runDriven(
          answering({ status: 200, headers: {}, body }).pipe(Effect.zipRight(Effect.flatMap(GitHubClient, (c) => c.get(statusPath, Schemas.CombinedStatus))))
        )
        expectTyped(exit, ["unexpected_response"])
        if (Exit.isSuccess(exit)) expect(exit.value).toEqual(Schema.decodeUnknownSync(Schemas.CombinedStatus)(JSON.parse(body)))
      }),
      { numRuns: HTTP_RUNS }
    )
  })

  it("any status 200-599, any body, any rate-limit headers: a body or a typed GitHubError", async () => {
    const status = fc.oneof(
      fc.integer({ min: 200, max: 599 }),
      fc.constantFrom(200, 304, 401, 404, 422, 500, 502, 503),
      // Rate limits, where the headers matter most.
      { arbitrary: fc.constantFrom(403, 429), weight: 3 }
    )
    await fc.assert(
      fc.asyncProperty(status, bodies, rateHeaders, async (code, body, headers) => {
        const exit = await runDriven(
          answering({ status: code, headers, body }).pipe(
            Effect.zipRight(Effect.flatMap(GitHubClient, (c) => Effect.zipRight(c.get(statusPath, Schemas.CombinedStatus), c.get(runsPath, Schemas.CheckRunsPage))))
          )
        )
        expectTyped(exit)
      }),
      { numRuns: HTTP_RUNS }
    )
  })

  it("examples: a retry-after or an x-ratelimit-reset beyond what a Date holds is a typed rate_limited error", async () => {
    for (const headers of [{ "retry-after": "1e20" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1e20" }]) {
      const exit = await runDriven(
        answering({ status: 403, headers, body: `{"message":"slow down"}` }).pipe(
          Effect.zipRight(Effect.flatMap(GitHubClient, (c) => c.get(statusPath, Schemas.CombinedStatus)))
        )
      )
      expectTyped(exit, ["rate_limited", "forbidden"])
    }
  })

  it("getAll with any Link header on the first page: every item, or a typed GitHubError", async () => {
    const page = (link: string | undefined): Answer => ({
      status: 200,
      headers: link === undefined ? {} : { link },
      body: JSON.stringify({ total_count: 1, check_runs: [{ name: "build", status: "completed", conclusion: "success" }] })
    })
    const links = fc.oneof(
      fc.string(),
      fc.string().map((s) => `<${s}>; rel="next"`),
      fc.webUrl().map((u) => `<${u}>; rel="next"`),
      fc.constantFrom(
        `</repositories/1/commits/main/check-runs?page=2>; rel="next"`,
        `<?page=2>; rel="next"`,
        `<http://[::1>; rel="next"`
      )
    )
    await fc.assert(
      fc.asyncProperty(links, async (link) => {
        const exit = await runDriven(
          answering(page(link), page(undefined)).pipe(
            Effect.zipRight(Effect.flatMap(GitHubClient, (c) => c.getAll(runsPath, Schemas.CheckRunsPage, (p) => p.check_runs)))
          )
        )
        expectTyped(exit)
      }),
      { numRuns: HTTP_RUNS }
    )
  })
})
