# Builds the release bundle (scripts/release.sh) and runs it: the same binary and site the
# tarball holds, on Debian 12. Not built by the test command (no Docker registry is reachable
# from the build machines); see the README's "Release bundle".
#
#   docker build -t profile-center .
#   docker run -p 3000:3000 -v pc-data:/var/lib/profile-center \
#     -e SECRET_KEY=... -e PUBLIC_ORIGIN=https://profile.example.com profile-center

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm brotli && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
# The same pins as scripts/setup.sh: cargo-leptos 0.3.9, wasm-bindgen-cli = Cargo.lock's, binaryen's wasm-opt.
RUN cargo install cargo-leptos --version 0.3.9 --locked --features no_downloads --debug
COPY Cargo.lock /tmp/Cargo.lock
RUN v=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' /tmp/Cargo.lock) \
 && (cargo install wasm-bindgen-cli --version "$v" --locked || cargo install wasm-bindgen-cli --version "$v" --force)
RUN npm install -g binaryen@132.0.0
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/src/target/cargo
RUN bash scripts/build.sh \
 && bash scripts/release.sh --no-build \
 && mkdir /out && tar -C /out -xzf dist/profile-center-*-x86_64-linux.tar.gz \
 && mv /out/profile-center-* /out/profile-center

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/profile-center --create-home profile-center
COPY --from=build /out/profile-center /opt/profile-center
USER profile-center
WORKDIR /var/lib/profile-center
ENV APP_ENV=production \
    DATA_DIR=/var/lib/profile-center \
    DATABASE_URL=sqlite:///var/lib/profile-center/profile-center.db \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LEPTOS_SITE_ROOT=/opt/profile-center/site \
    LEPTOS_OUTPUT_NAME=profile-center \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true \
    LOG_FORMAT=json
EXPOSE 3000
VOLUME /var/lib/profile-center
HEALTHCHECK CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/profile-center/bin/profile-center"]
