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
ENTRYPOINT ["node", "bin/cni-doctor.js"]
CMD ["serve"]
