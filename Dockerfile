# The Alliance Ledger service, built from source with the official Swift image.
#
#   docker build -t alliance-ledger .
#   docker run -e DATABASE_URL=postgres://user:password@host:5432/db -p 8080:8080 alliance-ledger
#
# The schema is compiled into the binary, so the image needs only the binary and libpq.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --static-swift-stdlib --product alliance-ledger \
    && cp "$(swift build -c release --show-bin-path)/alliance-ledger" /alliance-ledger

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --create-home alliance
COPY --from=build /alliance-ledger /usr/local/bin/alliance-ledger
COPY Config /app/Config
WORKDIR /app
USER alliance
ENV ALLIANCE_LEDGER_HTTP_HOST=0.0.0.0 \
    ALLIANCE_LEDGER_HTTP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["alliance-ledger"]
CMD ["serve"]
