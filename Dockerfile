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
# npm start bundles the sources into dist/ and runs that on plain Node; built here once, and rebuilt by each start
# (under a second), which the node user may do.
RUN node scripts/build.mjs && chown -R node:node dist
ENV CARELOOP_MODE=production
USER node
EXPOSE 4000
CMD ["npm", "start"]
