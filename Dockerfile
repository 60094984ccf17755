# syntax=docker/dockerfile:1
# One image for sluice-router, sluice-sim and sluice-bench. The binaries run the TypeScript sources
# through tsx (docs/adr/0001), so there is no compile stage: `deps` installs production
# dependencies only (tsx is a runtime dependency of every binary's workspace), `runtime` adds the
# sources and runs as the unprivileged `node` user (uid 1000).
#
#   docker build -t sluice:dev .
#   docker run --rm -p 8080:8080 -v $PWD/my-router.yaml:/etc/sluice/router.yaml:ro \
#     -e SLUICE_CONFIG=/etc/sluice/router.yaml sluice:dev                       # the router (default)
#   docker run --rm sluice:dev node apps/model-sim/bin/sluice-sim.js --host 0.0.0.0 --port 8000
#   docker run --rm sluice:dev node loadtest/bin/sluice-bench.js run --scenario smoke --target http://…

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
# Manifests only, so this layer is rebuilt only when dependencies change. Every workspace named by
# the root package.json must be listed (deploy/test/dockerfile.test.ts checks it).
COPY package.json package-lock.json ./
COPY apps/router/package.json apps/router/
COPY apps/model-sim/package.json apps/model-sim/
COPY libs/config/package.json libs/config/
COPY libs/flow-control/package.json libs/flow-control/
COPY libs/redis-store/package.json libs/redis-store/
COPY libs/scheduling/package.json libs/scheduling/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/testing/package.json libs/testing/
COPY libs/tokenizer/package.json libs/tokenizer/
COPY loadtest/package.json loadtest/
# --ignore-scripts: esbuild (tsx) gets its binary from its platform optional dependency; no other
# runtime dependency needs an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Sluice LLM inference router, vLLM simulator and load generator"
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    SLUICE_CONFIG=/app/deploy/router/router.yaml \
    PATH=/app/node_modules/.bin:$PATH
# Code and dependencies stay owned by root (read-only for the app user).
COPY --from=deps /app /app
COPY tsconfig.json ./
COPY lua ./lua
COPY libs ./libs
COPY apps ./apps
COPY loadtest ./loadtest
COPY deploy/docker ./deploy/docker
COPY deploy/router ./deploy/router
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs"]
CMD ["node", "apps/router/bin/sluice-router.js"]
