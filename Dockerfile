# The hub's image: the same `npm ci`, `npm run build`, `npm run migrate`, `npm run start:admin` and
# `npm run start:worker` that CI runs from source. Node 24 is the current LTS line.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/hub && chown node:node /var/lib/hub
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/admin/src/main.js"]
