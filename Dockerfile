# Build stage: a release binary from the locked dependency set.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin trakt-herald

# Runtime stage: the binary, the default configuration, a non-root user and a
# volume for the sled database. Secrets come from the environment
# (DISCORD_TOKEN, TRAKT_API_KEY), never from the image.
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
ENTRYPOINT ["trakt-herald"]
CMD ["run", "--config", "/etc/trakt-herald/default.toml"]
