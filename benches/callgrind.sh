#!/usr/bin/env bash
# Instructions per check, a count that does not drift on a shared machine:
# runs the `callgrind_check` harness (benches/examples/callgrind_check.rs)
# under `valgrind --tool=callgrind`, collecting only its `measured_checks`
# function (the stream answered PASSES times on a warm scratch, the same
# with the requests' context keys named once (`keyed`), that again asking
# for the outcome alone (`keyed-outcome`: `Engine::check_outcome`), both
# with the requests' calls named once too (`named`, `named-outcome`:
# `CallKey`), and once on a scratch that keeps no plans: the cold path),
# and writes the
# per-check
# instruction counts to <target>/sesame-bench/callgrind.json,
# where `cargo run -p sesame-benches --example report` finds it.
#
#   benches/callgrind.sh                  # example, w1 and w2-10k streams
#   benches/callgrind.sh example w1       # some of them
#   PASSES=4 benches/callgrind.sh example
set -euo pipefail

cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || {
    echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
}
target="${CARGO_TARGET_DIR:-$PWD/target}"
passes="${PASSES:-2}"
if [ "$#" -eq 0 ]; then
    set -- example w1 w2-10k
fi

cargo build --release -p sesame-benches --example callgrind_check
exe="$target/release/examples/callgrind_check"
out="$target/sesame-bench"
mkdir -p "$out"

rows=""
for workload in "$@"; do
    # Warm: a scratch that keeps plans; keyed: the same, the requests'
    # context keys named once; keyed-outcome: that, asking for the outcome
    # alone; named and named-outcome: those two with the calls named once
    # too; cold: one that keeps none (each check builds its plan), one
    # pass.
    for scratch in warm keyed keyed-outcome named named-outcome cold; do
        keyed=0
        named=0
        outcome=0
        case "$scratch" in
            warm) plans=8192; n="$passes" ;;
            keyed) plans=8192; n="$passes"; keyed=1 ;;
            keyed-outcome) plans=8192; n="$passes"; keyed=1; outcome=1 ;;
            named) plans=8192; n="$passes"; named=1 ;;
            named-outcome) plans=8192; n="$passes"; named=1; outcome=1 ;;
            *) plans=0; n=1 ;;
        esac
        data="$out/callgrind.$workload.$scratch.out"
        log="$out/callgrind.$workload.$scratch.log"
        line=$(KEYED="$keyed" NAMED="$named" OUTCOME="$outcome" PLANS="$plans" valgrind --tool=callgrind --collect-atstart=no \
            --toggle-collect='*measured_checks*' \
            --callgrind-out-file="$data" "$exe" "$workload" "$n" 2>"$log") || {
            echo "callgrind.sh: $workload ($scratch) failed, see $log" >&2
            exit 1
        }
        checks=$(printf '%s\n' "$line" | sed -n 's/.*"checks":\([0-9]*\).*/\1/p')
        instructions=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$data" | head -n 1)
        if [ -z "$checks" ] || [ "$checks" -eq 0 ] || [ -z "$instructions" ]; then
            echo "callgrind.sh: no count for $workload ($scratch) (harness said: $line)" >&2
            exit 1
        fi
        per=$(awk -v i="$instructions" -v c="$checks" 'BEGIN { printf "%.1f", i / c }')
        echo "callgrind/$workload/$scratch: $instructions instructions in $checks checks: $per per check"
        row=$(printf '{"workload": "%s", "scratch": "%s", "checks": %s, "instructions": %s, "instructions_per_check": %s, "harness": %s}' \
            "$workload" "$scratch" "$checks" "$instructions" "$per" "$line")
        rows="${rows:+$rows, }$row"
    done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '{"valgrind": "%s", "commit": "%s", "passes": %s, "rows": [%s]}\n' \
    "$(valgrind --version)" "$commit" "$passes" "$rows" >"$out/callgrind.json"
echo "wrote $out/callgrind.json"
