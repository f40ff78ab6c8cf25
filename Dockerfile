# Peer Circle: app image. Online builds get mediasoup's prebuilt worker; offline builds fall back
# to scripts/build-mediasoup-worker.sh (Debian build dependencies are installed for that case).
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      python3-venv python3-pip g++ make patch pkg-config libuv1-dev libssl-dev libsrtp2-dev \
      libusrsctp-dev libabsl-dev flatbuffers-compiler libflatbuffers-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
ENV PEER_CIRCLE_CACHE=/app/.cache
RUN node scripts/provision.mjs --client
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
EXPOSE 3000 40000-40100/udp 40000-40100/tcp
USER node
CMD ["npm", "run", "--silent", "serve"]
