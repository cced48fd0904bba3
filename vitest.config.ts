import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    reporters: ["default", "./test/support/countReporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
