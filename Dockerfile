# syntax=docker/dockerfile:1
# One image for the three Flowcast services; the command chooses which one runs:
#   docker run flowcast                                   # producer (the default command)
#   docker run -w /app/services/consumer flowcast node dist/main.js
# The Helm chart (charts/flowcast) sets the working directory and command of each Deployment.

ARG NODE_IMAGE=docker.io/library/node:24-slim

# Every package.json and the lockfile, and nothing else: `npm ci` below stays cached while only
# sources change, and a workspace added later is picked up without editing this file.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json package-lock.json .npmrc /manifests/ \
 && find services -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /manifests/ \;

# Build: the root `npm ci` and `npm run build`, exactly as a developer runs them. Install scripts
# are skipped: the only one fetches the pinned node@24 binary, which this Node 24 base replaces.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund && rm -f node_modules/.bin/node
COPY . .
RUN npm run build \
 && find services -mindepth 2 -maxdepth 2 ! -name dist ! -name package.json -exec rm -rf {} +

# Production dependencies only.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: Node, production node_modules, each workspace's package.json and dist, as a non-root
# user. npm and corepack are removed: nothing installs or builds at run time.
FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/services ./services
# The `node` user (uid 1000) of the official image, by number so that runAsNonRoot can check it.
USER 1000:1000
EXPOSE 3000 3001 3002
# The producer's start script (services/producer/package.json), from /app.
CMD ["node", "--max-semi-space-size=32", "services/producer/dist/main.js"]
