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
COPY scripts/start-hub.ts scripts/start-connector.ts scripts/token.ts scripts/init-deployment.ts ./scripts/
ENV CARELOOP_MODE=production
USER node
EXPOSE 4000
CMD ["npm", "start"]
