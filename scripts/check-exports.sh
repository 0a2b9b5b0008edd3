#!/usr/bin/env bash
# check-exports.sh checks that libgohsm.so exports only C_* functions
# (DESIGN.md rule 1; a c-shared Go library would also export SQLite's symbols).
set -euo pipefail
LIB=${1:-libgohsm.so}
syms=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TtDdBbRrVvWw]$/ {print $3}')
bad=$(printf '%s\n' "$syms" | grep -v '^C_' | grep -v '^$' || true)
count=$(printf '%s\n' "$syms" | grep -c '^C_' || true)
if [ -n "$bad" ]; then
	echo "check-exports: $LIB exports symbols other than C_*:" >&2
	printf '  %s\n' $bad | head -20 >&2
	exit 1
fi
for want in C_GetFunctionList C_GetInterfaceList C_GetInterface; do
	if ! printf '%s\n' "$syms" | grep -qx "$want"; then
		echo "check-exports: $LIB does not export $want" >&2
		exit 1
	fi
done
echo "check-exports: $LIB exports $count symbols, all C_*"
