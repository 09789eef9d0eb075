# Build stage: a release binary from the locked dependency set.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# jemalloc (tikv-jemalloc-sys) is built from C with configure and make; the
# slim image has gcc but no make.
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
# .cargo/config.toml bakes jemalloc's options into the binary.
COPY .cargo ./.cargo
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin trakt-herald

# Runtime stage: the binary, the configuration (config/docker.toml: the
# defaults, the store on the volume, metrics.listen = 0.0.0.0:9184), a non-root
# user, a volume for the sled database, and a HEALTHCHECK that runs the bot's
# own `health` command against /healthz (the slim image has no curl). Secrets
# come from the environment (DISCORD_TOKEN, TRAKT_API_KEY), never from the image.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/trakt-herald --create-home herald \
    && mkdir -p /var/lib/trakt-herald/data \
    && chown -R herald /var/lib/trakt-herald
COPY --from=build /src/target/release/trakt-herald /usr/local/bin/trakt-herald
COPY config /etc/trakt-herald
# storage.path in the default config is relative: data/trakt-herald.sled.
WORKDIR /var/lib/trakt-herald
VOLUME ["/var/lib/trakt-herald/data"]
USER herald
EXPOSE 9184
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["trakt-herald", "health", "--config", "/etc/trakt-herald/docker.toml"]
ENTRYPOINT ["trakt-herald"]
CMD ["run", "--config", "/etc/trakt-herald/docker.toml"]
