# sargable, with PostgreSQL 15 and HypoPG for `database run`, on Debian 12.
#   docker build -t sargable .
#   docker run --rm -v "$PWD:/work" -w /work sargable lint migrations/
#   docker run --rm -v "$PWD:/work" -w /work sargable database run --load schema.sql -- sargable explain --analyze queries/
# The build stage makes the same .deb as scripts/build-deb; the image installs it with apt, which
# brings the libraries it depends on.
ARG SWIFT_IMAGE=swift:6.1-bookworm

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
COPY . .
RUN scripts/install-dependencies --build && rm -rf /var/lib/apt/lists/* && scripts/build-deb /out

FROM debian:12-slim
COPY --from=build /out/*.deb /tmp/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        /tmp/sargable_*.deb postgresql-15 postgresql-15-hypopg \
    && rm -rf /var/lib/apt/lists/* /tmp/sargable_*.deb
ENTRYPOINT ["sargable"]
