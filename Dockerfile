# klingflow: one image for the HTTP server (default command), the Temporal worker
# (node --import tsx src/worker.ts) and the Kling simulator (src/simulator/main.ts).
# TypeScript runs through tsx, a runtime dependency, so there is no build stage.
FROM node:20-bookworm-slim

# HOST: listen on every interface; the app's default, 127.0.0.1, is unreachable from
# outside the container. DATA_DIR: generated secrets, downloads and (by default) stored
# videos live there; mount a volume on it.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the lockfile changes.
# --ignore-scripts: nothing needs an install script (Temporal's core bridge ships prebuilt
# linux-gnu binaries; esbuild and swc come as per-platform optional packages).
# --omit=dev: typescript, eslint and @temporalio/testing are not needed at run time.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit \
    && npm cache clean --force

# Sources stay owned by root (read-only to the app). /data is created owned by `node` so
# that a named volume mounted there starts out writable by the non-root user.
COPY . .
RUN mkdir -p /data && chown node:node /data

USER node

EXPOSE 3000

# Liveness of the HTTP server (slim has no curl; Node 20 has fetch). The worker and the
# simulator have no /healthz: docker-compose.yml replaces this check for them (the worker's,
# deploy/worker-healthcheck.mjs, asks Temporal whether this container polls its task queue).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# = `npm run server`, minus two parent processes: npm and the tsx CLI (npm → sh → tsx →
# node) do not pass `docker stop`'s SIGTERM through, so the server would be killed rather
# than close gracefully. `node --import tsx` runs the same TypeScript in one process.
CMD ["node", "--import", "tsx", "src/server.ts"]
