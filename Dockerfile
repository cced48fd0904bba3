# github-ci-monitor as a container: `docker run ... ghcr.io/you/github-ci-monitor run --once`
# The CLI is one bundled file, so the runtime image needs Node and nothing from npm.
FROM node:22-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY entrypoints ./entrypoints
RUN node scripts/build.mjs cli

FROM node:22-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/dist/cli.mjs /app/cli.mjs
# The node image's unprivileged user.
USER node
ENTRYPOINT ["node", "/app/cli.mjs"]
CMD ["run", "--once"]
