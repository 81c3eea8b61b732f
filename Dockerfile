# partmand as a container: a sidecar next to PostgreSQL. See docs/container.md.
#
#   docker build -t partmand .
#   docker run --rm -v "$PWD/deploy/partmand.yaml:/etc/partmand/partmand.yaml:ro" partmand config check
#
# Checked by scripts/check-container (hadolint).

# Build stage. partmand is built and tested with Swift 6.3 (6.3.1); the image is pinned to that
# release. Swift 6.2 is the oldest that can build it (swift-log 1.16 needs tools version 6.2).
FROM swift:6.3.1-bookworm AS build

# Not pinned to exact versions (hadolint DL3008): Debian stable only takes security and bug fixes,
# and the mirrors drop a superseded version, so a pin breaks the build at the next security update.
# The base image tag is what makes the build reproducible.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libsystemd-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, on their own layer. Package.* takes Package.resolved too when it exists.
COPY Package.* ./
RUN swift package resolve

# The package graph names the test targets too, so Tests/ must be there for `swift build`.
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product partmand --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/partmand" /out/partmand

# Runtime stage. The binary carries the Swift runtime and Foundation; it needs libpq and libsystemd
# (plus libc, libstdc++ and libgcc, already in the base image). tzdata is required: schedule.timezone
# and tables[].timezone are resolved from /usr/share/zoneinfo. ca-certificates serves TLS set-ups.
FROM debian:bookworm-slim

# Same reasoning as above for not pinning versions (DL3008).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libsystemd0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 partmand \
    && useradd --system --uid 10001 --gid partmand --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin partmand \
    && install -d -m 0755 /etc/partmand

COPY --from=build /out/partmand /usr/local/bin/partmand
COPY config/partmand.yaml /etc/partmand/partmand.yaml

# A numeric user, so that "must run as non-root" checks can verify it without reading /etc/passwd.
USER 10001:10001

# Logs are lines on stderr (logfmt; `--log-format json` or `log.format: json` for log shippers).
# There is no HEALTHCHECK: partmand has no health command. A fatal error ends the process and the
# restart policy starts it again; `partmand config check` validates the configuration.
STOPSIGNAL SIGTERM
ENTRYPOINT ["partmand"]
CMD ["run", "--config", "/etc/partmand/partmand.yaml"]
