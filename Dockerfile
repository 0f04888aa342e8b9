# syntax=docker/dockerfile:1

# Build: install every dependency and compile TypeScript.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
COPY connectors ./connectors
COPY config ./config
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

# Run: only the compiled gateway, its production dependencies and the demo config.
FROM node:24-bookworm-slim
# The port inside the container is fixed, whatever server.port says: map it with -p.
ENV NODE_ENV=production LIVELOOKUP_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
USER node
EXPOSE 8080
# Mount your config at /etc/livelookup/gateway.yaml and set LIVELOOKUP_CONFIG to it.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.LIVELOOKUP_PORT + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
