#!/usr/bin/env bash
# test.sh is `make test`, the whole default suite (and so .ci/run). It runs
# every suite even after one fails, prints how long each took, and ends with
# one summary line; it exits non-zero if any suite failed.
#
# Usage: scripts/test.sh [path/to/libgohsm.so [path/to/gohsm]]   (after `make build`)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LIB=$(realpath "${1:-$ROOT/libgohsm.so}")
CLI=$(realpath "${2:-$ROOT/gohsm}")
export GOHSM_LIB="$LIB"
GO=${GO:-go}
# No test may read the machine's own configuration or store.
unset GOHSM_CONF GOHSM_DIR

passed=0
failed=0
failures=()
suite() {
	local name=$1
	shift
	printf '\n=== suite %s: %s\n' "$name" "$*"
	local start=$SECONDS
	if "$@"; then
		passed=$((passed + 1))
		printf -- '--- suite %s: ok (%ds)\n' "$name" $((SECONDS - start))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf -- '--- suite %s: FAILED (%ds)\n' "$name" $((SECONDS - start))
	fi
}

# The Go packages with unit tests: everything but the black-box tests, which
# load the built library and so are run apart.
mapfile -t UNIT_PKGS < <($GO list ./... | grep -v '/tests\(/\|$\)')
# (tests/e2e is the examples, run below by scripts/e2e.sh; tests/fork and
# tests/forkstress are suites of their own: forkstress is timed and bounded.)
mapfile -t BLACKBOX_PKGS < <($GO list ./tests/... | grep -v '/tests/\(fork\|forkstress\|e2e\)$')

suite vet "$GO" vet ./...
suite unit "$GO" test -race -count=1 -timeout 10m "${UNIT_PKGS[@]}"
if [ ${#BLACKBOX_PKGS[@]} -gt 0 ]; then
	suite blackbox "$GO" test -race -count=1 -timeout 15m "${BLACKBOX_PKGS[@]}"
else # go list failed: never let the black-box tests vanish silently
	suite blackbox "$GO" list ./tests/...
fi
suite exports scripts/check-exports.sh "$LIB"
# The C fork test (tests/fork builds fork.c with gcc and runs it on the library).
if [ -d tests/fork ]; then
	suite fork "$GO" test -count=1 -timeout 5m ./tests/fork
fi
# 4 forked children x 3,000 ECDSA + 3,000 RSA signatures, twice (tests/forkstress).
if [ -d tests/forkstress ]; then
	suite forkstress "$GO" test -count=1 -timeout 6m ./tests/forkstress
fi
# The README's demo and the examples (real clients: pkcs11-tool, openssl,
# p11-kit, NGINX), as a user would run them.
suite demo scripts/demo.sh "$LIB" "$CLI"
if [ -x scripts/e2e.sh ]; then
	suite examples scripts/e2e.sh "$LIB"
fi

printf '\n'
if [ $failed -gt 0 ]; then
	printf 'failed suites: %s\n' "${failures[*]}"
fi
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[ $failed -eq 0 ]
