# One image for the gateway and the three connectors; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY core ./core
COPY adapters ./adapters
COPY gateway ./gateway
COPY connectors ./connectors
COPY schema ./schema
COPY policies/dist ./policies/dist
COPY scripts/build.mjs scripts/start-hub.ts scripts/start-connector.ts scripts/token.ts scripts/init-deployment.ts ./scripts/
# The bundle npm start would build, built once here; the containers run it with node itself (docker-compose.yml), so
# that a stop signal reaches the hub (npm and its shell do not pass it on) and the image's files may stay read-only.
RUN node scripts/build.mjs
ENV CARELOOP_MODE=production
# Libraries' production paths: graphql-js, at any other value, checks every failed instanceof of a schema type for a
# second copy of itself (~7% of a hub's list requests/s, measured side by side on the list bench).
ENV NODE_ENV=production
USER node
EXPOSE 4000
# --no-liftoff: as npm start (package.json), WebAssembly (the embedded store's engine, the policy) is compiled once by
# the optimising compiler: ~2 s more start-up, ~40 MB less resident for the life of a hub on the embedded store.
CMD ["node", "--enable-source-maps", "--no-liftoff", "dist/start-hub.mjs"]
