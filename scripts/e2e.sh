#!/usr/bin/env bash
# e2e.sh runs every example's run.sh (examples/*/run.sh: real clients such as
# NGINX, openssl, p11-kit and pkcs11-tool loading the module) and the scripts
# in tests/e2e/ (e.g. OpenSC's built-in tests) with a time limit each, prints PASS/FAIL/SKIP per example with its duration, and exits
# non-zero if any failed. A failed example's output is printed in full; the
# others' is kept in the log directory.
#
# Usage: scripts/e2e.sh [--softhsm] [module.so]     (default: ./libgohsm.so)
#   --softhsm     run the examples that support it against SoftHSMv2 instead,
#                 which proves the harness independently of gohsm
# Environment:
#   E2E_ONLY="nginx openssl"   run only these examples
#   E2E_TIMEOUT=300            seconds allowed per example (nginx gets 2x)
#   E2E_LOGS=dir               keep every example's output there
# An example that exits 77 is reported as SKIP (it cannot run here, e.g. NGINX
# needs root); SKIP does not fail the run.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SOFTHSM=0
if [ "${1:-}" = --softhsm ]; then
	SOFTHSM=1
	shift
fi
if [ $SOFTHSM = 1 ]; then
	MODULE=${1:-$(ls /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so 2>/dev/null | head -1)}
else
	MODULE=${1:-$ROOT/libgohsm.so}
fi
[ -n "$MODULE" ] && [ -f "$MODULE" ] || { echo "e2e: module ${MODULE:-libsofthsm2.so} is missing (make, or make deps)" >&2; exit 2; }
MODULE=$(realpath "$MODULE")
LIMIT=${E2E_TIMEOUT:-300}
LOGS=${E2E_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/gohsm-e2e.XXXXXX")}
mkdir -p "$LOGS"
# No example may read the machine's own gohsm configuration or store.
unset GOHSM_CONF GOHSM_DIR SOFTHSM2_CONF

pass=0 fail=0 skip=0
failed=()
START=$SECONDS
printf 'e2e: module %s, logs in %s\n' "$MODULE" "$LOGS"
for script in examples/*/run.sh tests/e2e/*.sh; do
	case "$script" in
	examples/*) name=$(basename "$(dirname "$script")") ;;
	*) name=$(basename "$script" .sh) ;;
	esac
	if [ -n "${E2E_ONLY:-}" ] && ! [[ " $E2E_ONLY " == *" $name "* ]]; then
		continue
	fi
	# Only examples written for any module (they name SoftHSMv2) run against it.
	if [ $SOFTHSM = 1 ] && ! grep -q libsofthsm2 "$script"; then
		printf '%-20s SKIP (gohsm only)\n' "$name"
		skip=$((skip + 1))
		continue
	fi
	limit=$LIMIT
	[ "$name" = nginx ] && limit=$((LIMIT * 2))
	t0=$SECONDS
	# --kill-after: a script stuck in its own cleanup is killed too.
	timeout --kill-after=10 "$limit" "$script" "$MODULE" >"$LOGS/$name.log" 2>&1
	rc=$?
	secs=$((SECONDS - t0))
	if [ $rc -eq 0 ]; then
		printf '%-20s PASS (%ds)\n' "$name" "$secs"
		pass=$((pass + 1))
	elif [ $rc -eq 77 ]; then
		printf '%-20s SKIP (%s)\n' "$name" "$(tail -n 1 "$LOGS/$name.log")"
		skip=$((skip + 1))
	else
		why="exit $rc"
		[ $rc -eq 124 ] || [ $rc -eq 137 ] && why="timed out after ${limit}s"
		printf '%-20s FAIL (%s, %ds)\n' "$name" "$why" "$secs"
		printf -- '----- %s output -----\n' "$name"
		cat "$LOGS/$name.log"
		printf -- '----- end of %s -----\n' "$name"
		fail=$((fail + 1))
		failed+=("$name")
	fi
done
printf 'e2e: %d passed, %d failed, %d skipped in %ds%s\n' "$pass" "$fail" "$skip" $((SECONDS - START)) \
	"${failed:+ (failed: ${failed[*]})}"
[ -z "${E2E_LOGS:-}" ] && [ $fail -eq 0 ] && rm -rf "$LOGS"
[ $fail -eq 0 ]
