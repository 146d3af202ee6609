# syntax=docker/dockerfile:1
# ecsnet in a container. A lab is network namespaces, nftables rules and sysctls made by the
# container's root, so the container must be started with --privileged (CAP_SYS_ADMIN,
# CAP_NET_ADMIN and a writable /proc/sys):
#
#   docker build -t ghcr.io/OWNER/ecsnet .
#   docker run --rm --privileged -v "$PWD":/work ghcr.io/OWNER/ecsnet test scenarios/
#
# Without --privileged ecsnet builds nothing: it exits 3 (a broken environment) and says what
# is missing and the fix, e.g.
#   ecsnet runs as root but without CAP_SYS_ADMIN and CAP_NET_ADMIN (namespaces, mounts and
#   links need them): in a container, start it with `docker run --privileged ...`
# and, with only the capabilities added, "/proc/sys is read-only here ... start the container
# with `docker run --privileged ...`".

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Cache mounts keep the crates and the dependency builds between image builds; the binary is
# copied out because the target/ cache is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked && install -m 0755 target/release/ecsnet /usr/local/bin/ecsnet

FROM debian:bookworm-slim
# nft is what ecsnet runs; iproute2, curl and tcpdump are for the user looking inside a lab
# (`ecsnet exec LAB task/web -- ip addr`). Unpinned: bookworm's security updates are wanted.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nftables iproute2 curl ca-certificates tcpdump \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/ecsnet /usr/local/bin/ecsnet
# Scenarios come from the bind-mounted directory: `-v "$PWD":/work`.
WORKDIR /work
# Root on purpose: labs need it (and --privileged).
ENTRYPOINT ["ecsnet"]
CMD ["--help"]
