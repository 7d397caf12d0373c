# The registry-dr command as a container image, for SyncSchedule (Kubernetes) or any scheduler:
#   docker build -t registry.example.com/tools/registry-dr:0.1.0 .
#   docker run --rm -v "$PWD/harbor-to-acr.json:/config.json:ro" registry.example.com/tools/registry-dr:0.1.0 sync --config /config.json
# Node is the version the tests run on (package.json devDependencies.node): raise both together.
ARG NODE_VERSION=22.23.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so this layer is reused until the lockfile changes. No scripts: `prepare`
# would compile sources that are not copied yet.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# Only what the published package is built from: tsconfig.json also names the examples, the
# tests and the repository's own stack, which are absent here and so not compiled.
COPY tsconfig.json README.md LICENSE NOTICE ./
COPY entry ./entry
COPY bin ./bin
COPY cli ./cli
COPY provider ./provider
COPY components ./components
RUN npx tsc -p .
# The package exactly as npm publishes it (package.json "files"), with the production
# dependencies pinned by the lockfile.
RUN npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /opt/registry-dr \
 && tar -xzf /tmp/registry-dr-*.tgz -C /opt/registry-dr --strip-components=1 \
 && cp package-lock.json /opt/registry-dr/ \
 && cd /opt/registry-dr \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && chmod 0755 bin/registry-dr.js

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
COPY --from=build /opt/registry-dr /opt/registry-dr
RUN ln -s /opt/registry-dr/bin/registry-dr.js /usr/local/bin/registry-dr
# The image's "node" user, by number: Kubernetes can only verify runAsNonRoot for a numeric user.
USER 1000:1000
WORKDIR /home/node
ENTRYPOINT ["registry-dr"]
CMD ["--help"]
