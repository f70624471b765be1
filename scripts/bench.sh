#!/usr/bin/env bash
# Whole-process timings, printed as a Markdown table (wall clock from `date +%s%N`,
# median of RUNS runs after one unmeasured warm-up run that also checks the command works):
#
#   1. `authpack build --format md` of one intake (Markdown documents, manifest and
#      records, zipped; no PDFs) against scripts/compare/packet.py, a plain Python +
#      PyYAML + Jinja2 baseline doing the same Markdown part (no validation, no policy
#      evaluation, no PDFs), and their ratio;
#   2. a full `authpack build` (Markdown, every PDF and the combined fax PDF, zipped)
#      against `typst compile` of the same letter's Typst source alone, and their ratio;
#   3. a batch of BATCH_N generated intakes (scripts/gen-batch.py) built from their folder
#      with `-j 1` and with `-j $(nproc)`, and the scaling ratio;
#   4. a full build of an intake with one ENCLOSURE_MB MiB PDF enclosure
#      (scripts/gen-large-enclosure.py): wall time and peak memory (maximum resident set
#      size from `/usr/bin/time -v`).
# A step whose command fails (for example a flag this build does not have yet) prints
# its error on stderr and shows as "failed" in the table; the other steps still run.
#
# Needs: python3 with PyYAML and Jinja2 (pip install pyyaml jinja2); `typst` on PATH for
# step 2 (cargo install typst-cli --version 0.15.1 --locked); GNU time at /usr/bin/time
# for step 4 -- when it is missing and the script runs as root with apt-get available,
# it installs the Debian/Ubuntu `time` package (apt-get install -y time), otherwise
# the peak memory is reported as not measured.
#
# Usage: scripts/bench.sh [--no-build] [INTAKE] [RUNS]
#   --no-build    use the binaries already in target/release (no cargo at all)
# Environment: RUNS (default 11; the second argument wins), BATCH_N (default 1000; 0
#   skips step 3), BATCH_RUNS (default 1; median of that many batch runs),
#   ENCLOSURE_MB (default 1024; 0 skips step 4), ENCLOSURE_FILL (zeros | text | random,
#   default zeros), BENCH_TMP (parent folder for the work folder), AUTHPACK (the binary,
#   default target/release/authpack).
# The work folder is a mktemp folder under $BENCH_TMP, else /tmp when it has room for
# the batch and enclosure outputs, else target/ (on the same disk as the project); it is
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
args=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
intake=${args[0]:-samples/esketamine-trd-initial/intake.yaml}
runs=${args[1]:-${RUNS:-11}}
batch_n=${BATCH_N:-1000}
batch_runs=${BATCH_RUNS:-1}
enclosure_mb=${ENCLOSURE_MB:-1024}
enclosure_fill=${ENCLOSURE_FILL:-zeros}
jobs=$(nproc)
authpack=${AUTHPACK:-./target/release/authpack}
# The interpreter itself, not a wrapper: a pyenv shim alone adds ~0.1 s to every start.
python=$(python3 -c 'import sys; print(sys.executable)')
letter_source=./target/release/examples/letter_source

if [ "$build" = 1 ]; then
  cargo build --release --quiet
  cargo build --release --quiet --example letter_source
fi
[ -x "$authpack" ] || { echo "bench: $authpack is missing (run without --no-build)" >&2; exit 1; }

# Room needed: the enclosure and the packet holding it, the batch's packets (~0.4 MB each), slack.
need_mb=$(( 2 * enclosure_mb + batch_n / 2 + 512 ))
parent=${BENCH_TMP:-}
if [ -z "$parent" ]; then
  tmp_free_mb=$(df -Pm /tmp | awk 'NR == 2 {print $4}')
  if [ "${tmp_free_mb:-0}" -ge "$need_mb" ]; then parent=/tmp; else parent=target; fi
fi
mkdir -p "$parent"
work=$(mktemp -d "$parent/authpack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# Median wall time of `$n` runs of the command, in microseconds.
time_us() {
  local n=$1; shift
  for _ in $(seq "$n"); do
    local start end
    start=$(now_us)
    "$@" >/dev/null 2>&1 || true
    end=$(now_us)
    echo $(( end - start ))
  done | median
}
# Runs the command once (warm-up); on failure shows the tail of its output on stderr.
probe() {
  local label=$1; shift
  local out
  if out=$("$@" 2>&1); then return 0; fi
  { echo "bench: $label failed: $*"; printf '%s\n' "$out" | sed '/^ *$/d' | head -n 3 | sed 's/^/  /'; } >&2
  return 1
}
ms() { [ -n "${1:-}" ] && awk -v u="$1" 'BEGIN {printf "%.1f ms", u / 1000}' || echo "failed"; }
secs() { [ -n "${1:-}" ] && awk -v u="$1" 'BEGIN {printf "%.1f s", u / 1000000}' || echo "failed"; }
ratio() {
  if [ -n "${1:-}" ] && [ -n "${2:-}" ] && [ "$2" -gt 0 ]; then
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a / b}'
  else echo "-"; fi
}

rows=()
row() { rows+=("| $1 | $2 |"); }
notes=()

# 1. Markdown-only build against the Python baseline.
md_us=""; py_us=""
if probe "authpack build --format md" "$authpack" build --format md "$intake" -o "$work/md.zip" --force; then
  md_us=$(time_us "$runs" "$authpack" build --format md "$intake" -o "$work/md.zip" --force)
fi
if probe "packet.py" "$python" scripts/compare/packet.py "$intake" "$work/py.zip"; then
  py_us=$(time_us "$runs" "$python" scripts/compare/packet.py "$intake" "$work/py.zip")
fi
row "\`authpack build --format md\` (one intake, median of $runs)" "$(ms "$md_us")"
row "\`python3 scripts/compare/packet.py\` (same intake, median of $runs)" "$(ms "$py_us")"
row "ratio Python / authpack (Markdown only)" "$(ratio "$py_us" "$md_us")"

# 2. Full build against typst compiling the letter alone.
full_us=""; typst_us=""
if probe "authpack build" "$authpack" build "$intake" -o "$work/packet.zip" --force; then
  full_us=$(time_us "$runs" "$authpack" build "$intake" -o "$work/packet.zip" --force)
fi
row "\`authpack build\` (full packet, all PDFs, median of $runs)" "$(ms "$full_us")"
if ! command -v typst >/dev/null 2>&1; then
  row "\`typst compile\` (the letter alone)" "not measured (typst not on PATH)"
elif [ ! -x "$letter_source" ]; then
  row "\`typst compile\` (the letter alone)" "not measured ($letter_source missing; run without --no-build)"
elif probe "letter_source" "$letter_source" "$intake" "$work/letter" \
  && probe "typst compile" typst compile --root "$work/letter" "$work/letter/main.typ" "$work/letter.pdf"; then
  typst_us=$(time_us "$runs" typst compile --root "$work/letter" "$work/letter/main.typ" "$work/letter.pdf")
  row "\`typst compile\` (the letter alone, $(typst --version | awk '{print $1, $2}'), median of $runs)" "$(ms "$typst_us")"
else
  row "\`typst compile\` (the letter alone)" "failed"
fi
row "ratio authpack full build / typst letter" "$(ratio "$full_us" "$typst_us")"

# 3. Batch of generated intakes, one job against all cores.
if [ "$batch_n" -gt 0 ]; then
  start=$(now_us)
  "$python" scripts/gen-batch.py "$batch_n" "$work/batch" >/dev/null
  notes+=("generating $batch_n intakes (scripts/gen-batch.py) took $(secs $(( $(now_us) - start )))")
  j1_us=""; jn_us=""
  # Each batch run starts from an empty output folder; the first run is measured too
  # (a 1000-intake batch is long enough that a warm-up would only double the cost).
  batch_time() { # jobs -> median microseconds, empty on failure
    local j=$1 i start end out times=()
    for i in $(seq "$batch_runs"); do
      rm -rf "$work/batch-out"
      start=$(now_us)
      if ! out=$("$authpack" build "$work/batch" -o "$work/batch-out" -j "$j" --force 2>&1); then
        { echo "bench: batch build -j $j failed:"; printf '%s\n' "$out" | sed '/^ *$/d' | head -n 3 | sed 's/^/  /'; } >&2
        return 0
      fi
      end=$(now_us)
      times+=($(( end - start )))
    done
    printf '%s\n' "${times[@]}" | median
  }
  j1_us=$(batch_time 1)
  jn_us=$(batch_time "$jobs")
  rm -rf "$work/batch-out"
  row "batch of $batch_n intakes, \`-j 1\` (full builds, median of $batch_runs)" "$(secs "$j1_us")"
  row "batch of $batch_n intakes, \`-j $jobs\`" "$(secs "$jn_us")"
  row "scaling, \`-j 1\` / \`-j $jobs\` ($jobs cores)" "$(ratio "$j1_us" "$jn_us")"
  rm -rf "$work/batch"
fi

# 4. One very large enclosure: wall time and peak memory of a full build.
if [ "$enclosure_mb" -gt 0 ]; then
  if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing GNU time (apt-get install -y time) for the peak-memory figure" >&2
    apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; } || true
  fi
  start=$(now_us)
  "$python" scripts/gen-large-enclosure.py "$work/enclosure" "$enclosure_mb" --fill "$enclosure_fill" >/dev/null
  notes+=("writing the $enclosure_mb MiB enclosure (scripts/gen-large-enclosure.py, fill $enclosure_fill) took $(secs $(( $(now_us) - start )))")
  enc_cmd=("$authpack" build "$work/enclosure/intake.yaml" -o "$work/enclosure.zip" --force)
  rss="not measured (no /usr/bin/time; apt-get install -y time)"
  start=$(now_us)
  if [ -x /usr/bin/time ]; then
    status=0
    /usr/bin/time -v -o "$work/time.txt" "${enc_cmd[@]}" >"$work/enc.out" 2>&1 || status=$?
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.0f MB", $2 / 1024}' "$work/time.txt")
  else
    status=0
    "${enc_cmd[@]}" >"$work/enc.out" 2>&1 || status=$?
  fi
  end=$(now_us)
  if [ "$status" = 0 ]; then
    enc_wall=$(secs $(( end - start )))
    notes+=("the enclosure packet is $(du -m "$work/enclosure.zip" | cut -f1) MB")
  else
    { echo "bench: enclosure build failed (exit $status):"; tail -n 4 "$work/enc.out" | sed 's/^/  /'; } >&2
    enc_wall="failed"; rss="failed (exit $status) after $(secs $(( end - start ))); $rss"
  fi
  row "full build with one $enclosure_mb MiB enclosure, wall time (one run)" "$enc_wall"
  row "full build with one $enclosure_mb MiB enclosure, peak memory (max RSS)" "$rss"
  rm -rf "$work/enclosure" "$work/enclosure.zip"
fi

echo "| Measurement | Result |"
echo "|---|---|"
printf '%s\n' "${rows[@]}"
echo
for n in "${notes[@]+"${notes[@]}"}"; do echo "- $n"; done
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
