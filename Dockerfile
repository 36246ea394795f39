# syntax=docker/dockerfile:1
#
# claude-agent-api: build on the full Debian image (it has make, g++ and python3 for better-sqlite3
# when no prebuilt binary can be fetched), run on the slim one. Both are bookworm (glibc), so the
# native module built here loads there.
#
#   docker build -t claude-agent-api .
#   docker run -p 8080:8080 -v agent-data:/data -e ANTHROPIC_API_KEY=… claude-agent-api
#
# See docker-compose.yml for two instances on PostgreSQL behind a load balancer.

############################ build ############################
FROM node:20-bookworm AS build
WORKDIR /app

# Dependencies first, so source edits do not redo `npm ci`. The only install scripts in the tree are
# better-sqlite3 (prebuilt download or compile) and esbuild, the two packages in `allowScripts`, plus
# @scarf/scarf (via swagger-ui-dist, for /docs): an install-analytics ping that package.json's
# `scarfSettings.enabled: false` turns off.
# `npm ci` also installs the SDK's platform package for this image's architecture
# (@anthropic-ai/claude-agent-sdk-linux-x64 or -linux-arm64), which holds the `claude` binary.
COPY package.json package-lock.json ./
RUN npm ci

# tsconfig.json compiles src/, mock-model/ (the offline demo model the server starts without an API
# key) and bench/; .dockerignore keeps node_modules, dist and data out of the context.
COPY . .
RUN npm run build \
 && npm prune --omit=dev
# `--omit=dev` keeps optional dependencies, so the platform package with `claude` stays.

############################ runtime ############################
FROM node:20-bookworm-slim

# tini as PID 1: it forwards SIGTERM to node and reaps orphaned grandchildren (MCP servers of an
# ended `claude` process) that node, as PID 1, would leave as zombies.
# ca-certificates: the slim image has none; node bundles its own CA list but the `claude` binary
# calls the model API over TLS too.
# bubblewrap + socat: the sandbox around every agent process and its bridge to the model gateway
# (see README "Sandbox"; the container needs user namespaces, see docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates bubblewrap socat \
 && rm -rf /var/lib/apt/lists/*

# HOST: in a container the server must listen on every interface, not the default 127.0.0.1.
# DATA_DIR: the SQLite file (when DATABASE_URL is unset), the CLI's local transcript copies,
#   per-account workspaces.
# HOME: the agent's `claude` child processes get only PATH and HOME from the server and keep their
#   caches and state under HOME, so it must exist and be writable by the user the server runs as.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    HOME=/data/home

WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The code stays owned by root (read-only for the server); only /data is writable. The `claude` binary
# comes from the npm platform package in node_modules: nothing is downloaded at run time.

# Create /data before VOLUME: a new named volume is seeded with this directory's contents and
# ownership. (A bind mount is not: chown it to uid 1000 on the host.)
RUN mkdir -p /data/home \
 && chown -R node:node /data
VOLUME ["/data"]

# The node image's unprivileged user (uid 1000, gid 1000).
USER node

EXPOSE 8080

# /ready answers 503 while draining after SIGTERM or when the database does not answer. The slim
# image has no curl or wget; node's fetch does the job.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM: stop taking turns, let running ones finish for SHUTDOWN_GRACE (default 30s), end the agent
# processes, exit 0. Give the container at least SHUTDOWN_GRACE + ~10s before SIGKILL
# (`docker stop -t 40`, compose `stop_grace_period`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
