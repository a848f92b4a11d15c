#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what tcptable needs to build and test, from Debian 12's packages (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
#   scripts/install-deps.sh               everything the tests need
#   scripts/install-deps.sh --build-only  only what the library and the CLI need
packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev            # Boost.Endian, Boost.Asio (header-only)
  libcli11-dev            # CLI parsing
  nlohmann-json3-dev      # JSON
  libfmt-dev              # text formatting
  libbpf-dev bpftool clang-14  # the bpf event source (optional: cmake/bpf.cmake skips it without)
)
[[ ${1:-} == --build-only ]] || packages+=(
  libgtest-dev libgmock-dev  # GoogleTest
  libbenchmark-dev        # Google Benchmark
  iproute2                # ss, ip netns: the tests cross-check against them
  prometheus curl         # promtool checks the exporter's output; curl scrapes it
  prometheus-node-exporter  # bench/exporter_compare.sh: node_exporter's tcpstat as the peer
  clang-14 libclang-rt-14-dev  # libFuzzer for the fuzz targets
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
