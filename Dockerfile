# The worker image: compiled JavaScript, the workflow bundle built ahead of time, production dependencies only,
# run as the unprivileged `node` user. Build: `docker build -t feedback-sync .`; run: docker-compose.yml.
#
# Debian (glibc), not Alpine: @temporalio/core-bridge ships prebuilt native binaries for glibc.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (the embedded run store) compiles itself when its prebuilt binary cannot be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# tsc into dist/src and dist/scripts, then dist/workflow-bundle.js (scripts/bundle-workflows.ts), which the
# compiled worker loads instead of running webpack at every start; then drop the dev dependencies.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Memory: glibc's per-thread malloc arenas (the Temporal core's threads) and V8's young generation make up
# much of the worker's RSS. Two arenas and 4 MB semi-spaces took the benchmark's peak from ~530 MB to ~390 MB
# at no measurable cost in run time (README, Tests and benchmarks).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# The worker handles SIGTERM itself (in-flight activities finish, then it exits); run it with an init
# (`docker run --init`, or `init: true` in compose) so signals reach it.
CMD ["node", "--max-semi-space-size=4", "dist/src/worker.js"]
