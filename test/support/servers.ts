/**
 * Fake servers a test file starts and closes after its last test (the tests of a
 * describe.concurrent block run side by side, so none may close them earlier).
 */
import { afterAll } from "vitest"
import type { FakeDatadogOptions } from "./FakeDatadog.ts"
import { startFakeDatadog } from "./FakeDatadog.ts"
import type { FakeGitHubOptions } from "./FakeGitHub.ts"
import { startFakeGitHub } from "./FakeGitHub.ts"

export const serversOfThisFile = () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterAll(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  const track = async <S extends { close(): Promise<void> }>(starting: Promise<S>): Promise<S> => {
    const server = await starting
    open.push(server)
    return server
  }
  return {
    track,
    github: (options: FakeGitHubOptions) => track(startFakeGitHub(options)),
    datadog: (options: FakeDatadogOptions = {}) => track(startFakeDatadog(options))
  }
}
