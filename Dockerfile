# syntax=docker/dockerfile:1
# cni-doctor: the Slack bot (`cni-doctor serve`) as a small, non-root, read-only-friendly image.
#
# The sources are TypeScript run directly by Node's type stripping (no build step), so the image needs a Node with
# type stripping on by default (26) and the production dependencies only. The repo pins Node as a devDependency for
# local use; `--omit=dev` leaves that out and the image's own Node 26 runs the bot.
#
#   docker build -t REGISTRY/cni-doctor:0.1.0 .
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed at run time (ssh2 falls back to pure-JS crypto without its optional
# native addon), so the build needs no compiler and runs no third-party code.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the bot's user: nothing in /app changes at run time.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# Numeric, so Kubernetes can check runAsNonRoot without resolving names; matches manifests/deployment.yaml.
USER 10001:10001
# PORT: Slack's HTTP mode and the health and metrics endpoints.
EXPOSE 3000
# --max-semi-space-size=2 (MB): V8 grew the young generation to ~40 MB while `serve` read a large cluster and kept it;
# capped, the bot watching a 1,000-node cluster idles at ~200 MB instead of ~290 MB and peaks at ~240 MB instead of
# ~310 MB, inside the Deployment's 256Mi limit, for a diagnosis ~8% slower (`npm run bench -- --only watch,ackload`).
ENTRYPOINT ["node", "--max-semi-space-size=2", "bin/cni-doctor.js"]
CMD ["serve"]
