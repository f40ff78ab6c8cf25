# syntax=docker/dockerfile:1
# Peer Circle: app image, in two stages.
#
# build:   node:24-bookworm with the offline worker build's Debian packages. provision.mjs runs
#          `npm ci`, puts the mediasoup worker in node_modules (mediasoup's prebuilt download when
#          GitHub answers, else scripts/build-mediasoup-worker.sh from the npm package's sources,
#          5-9 minutes) and builds the client; dev dependencies are then pruned.
# runtime: node:24-bookworm-slim, only the shared libraries the worker links against (none for the
#          statically linked prebuilt worker; libuv, OpenSSL, libsrtp for the offline build), the
#          app, running as the unprivileged `node` user.
ARG NODE_IMAGE=node:24-bookworm

FROM ${NODE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      python3-venv python3-pip g++ make patch pkg-config libuv1-dev libssl-dev libsrtp2-dev \
      libusrsctp-dev libabsl-dev flatbuffers-compiler libflatbuffers-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PEER_CIRCLE_CACHE=/cache CI=true
# Dependencies and the worker first: this layer is reused while only the sources change.
COPY package.json package-lock.json .node-version .nvmrc ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client/package.json client/
COPY scripts scripts
RUN node scripts/provision.mjs
COPY . .
RUN node scripts/provision.mjs --client \
    && npm prune --omit=dev --no-audit --no-fund \
    && test -x node_modules/mediasoup/worker/out/Release/mediasoup-worker \
    # The Debian packages holding the worker's shared libraries, for the runtime stage.
    && ldd node_modules/mediasoup/worker/out/Release/mediasoup-worker \
       | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
       | while read -r lib; do dpkg-query -S "$lib" 2>/dev/null || dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null; done \
       | cut -d: -f1 | sort -u > /app/.worker-runtime-packages \
    && echo "worker runtime packages: $(tr '\n' ' ' < /app/.worker-runtime-packages)"

FROM ${NODE_IMAGE}-slim AS runtime
COPY --from=build /app/.worker-runtime-packages /tmp/
RUN apt-get update \
    && xargs -r apt-get install -y --no-install-recommends < /tmp/.worker-runtime-packages \
    && rm -rf /var/lib/apt/lists/* /tmp/.worker-runtime-packages
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/.node-version /app/tsconfig.json /app/tsconfig.base.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/shared shared
COPY --from=build /app/server server
COPY --from=build /app/client/package.json client/
COPY --from=build /app/client/dist client/dist
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
EXPOSE 3000 40000-40100/udp 40000-40100/tcp
USER node
# The worker must start (all its libraries present) or the image is broken: fail the build here.
RUN node -e "const r=require('node:child_process').spawnSync('node_modules/mediasoup/worker/out/Release/mediasoup-worker',{env:{}});if(r.status!==41){console.error('mediasoup-worker does not start:',r.status,String(r.stderr));process.exit(1)}"
CMD ["node", "node_modules/tsx/dist/cli.mjs", "server/src/main.ts"]
