# The worker image: compiled JavaScript, the workflow bundle built ahead of time, production dependencies only,
# run as the unprivileged `node` user. Build: `docker build -t feedback-sync .`; run: docker-compose.yml.
#
# Debian (glibc), not Alpine: @temporalio/core-bridge ships prebuilt native binaries for glibc.
#
# Node 24 LTS, the line CI runs the whole suite on (README, Requirements). Node 26 is the newer LTS, but no
# build of it can be tested on the machines this project is developed on yet; the tag names one line, so a
# rebuild picks up its security releases.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# The npm that CI installs with. It runs no dependency's install script that package.json's allowScripts does
# not allow, and allows none: better-sqlite3 13 ships its binaries inside the package, so no compiler is needed.
RUN npm install -g --no-audit --no-fund npm@12.2.3
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# tsc into dist/src and dist/scripts, then dist/workflow-bundle.js (scripts/bundle-workflows.ts), which the
# compiled worker loads instead of running webpack at every start; then drop the dev dependencies.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
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
