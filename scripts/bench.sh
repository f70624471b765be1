#!/usr/bin/env bash
# Whole-process timings, median of N runs: one full authpack build of a sample
# (Markdown, every PDF and the combined fax PDF, zipped) against `typst compile`
# of the same letter's Typst source alone. Needs `typst` on PATH
# (cargo install typst-cli --version 0.15.1 --locked).
# Usage: scripts/bench.sh [INTAKE] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
intake=${1:-samples/esketamine-trd-initial/intake.yaml}
runs=${2:-11}
cargo build --release --quiet
cargo build --release --quiet --example letter_source
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/examples/letter_source "$intake" "$work/letter"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
  done | median
}

build_ms=$(time_ms ./target/release/authpack build "$intake" -o "$work/packet.zip" --force)
echo "authpack build (full packet, all PDFs): ${build_ms} ms median of ${runs}"
if command -v typst >/dev/null 2>&1; then
  typst_ms=$(time_ms typst compile --root "$work/letter" "$work/letter/main.typ" "$work/letter.pdf")
  echo "typst compile (the letter alone):       ${typst_ms} ms median of ${runs} ($(typst --version))"
else
  echo "typst compile: not measured (typst not on PATH)"
fi
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
