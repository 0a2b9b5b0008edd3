#!/usr/bin/env bash
# fuzz.sh is `make fuzz`: it runs every Go fuzz target in the module for a
# bounded time each (go test -fuzz takes one target of one package at a time).
# New crashers land in the package's testdata/fuzz and fail the run.
#
# Usage: scripts/fuzz.sh [FUZZTIME]   (default 30s per target)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME=${1:-30s}
GO=${GO:-go}

passed=0
failed=0
# Only packages whose test files declare a Fuzz function are listed with
# `go test -list` (listing compiles a test binary, slow for every package).
candidates=()
while read -r pkg dir; do
	if grep -qs '^func Fuzz' "$dir"/*_test.go; then
		candidates+=("$pkg")
	fi
done < <($GO list -f '{{.ImportPath}} {{.Dir}}' ./...)

for pkg in "${candidates[@]}"; do
	for target in $($GO test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz'); do
		printf '\n=== fuzz %s %s for %s\n' "$pkg" "$target" "$FUZZTIME"
		if $GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
done
if [ $((passed + failed)) -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi
printf '\nfuzz targets: %d passed, %d failed\n' "$passed" "$failed"
[ $failed -eq 0 ]
