#!/usr/bin/env bash
# install.sh: `make install` and `make uninstall`.
#   1. Into a DESTDIR: exactly three files (the module in p11-kit's module
#      directory, gohsm in $PREFIX/bin, gohsm.module naming the module's
#      installed path in p11-kit's config directory); uninstall leaves none.
#   2. Without p11-kit's pkg-config file: $PREFIX/lib/pkcs11 and
#      $PREFIX/share/p11-kit/modules.
#   3. As root, a real install when none of those files exists yet: `p11-kit
#      list-modules` shows gohsm (run with a private store), and uninstall
#      leaves no file and no listed module. Skipped for other users.
#
# Usage: tests/e2e/install.sh [module.so]     (default: ./libgohsm.so)
#   GOHSM_CLI=path/to/gohsm (default: gohsm at the module root)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
CLI=$(realpath "${GOHSM_CLI:-$ROOT/gohsm}")
fail() { printf 'install: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
[ -f "$CLI" ] || fail "$CLI is missing (run 'make' first)"
for tool in make pkg-config install timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-install.XXXXXX")
REAL=0
finish() {
	local rc=$?
	# A real install that failed half-way is undone.
	[ $REAL = 1 ] && mk uninstall >/dev/null 2>&1
	rm -rf "$WORK"
	exit $rc
}
trap finish EXIT
cd "$WORK" # scratch files (got.txt, want.txt, modules.txt) stay out of the checkout
mk() { timeout 120 make -s -C "$ROOT" LIB="$MODULE" CLI="$CLI" "$@"; }
files() { (cd "$1" && find . ! -type d | sed 's|^\./|/|' | sort); }

MODDIR=$(pkg-config --variable=p11_module_path p11-kit-1)
CONFDIR=$(pkg-config --variable=p11_module_configs p11-kit-1)
[ -n "$MODDIR" ] && [ -n "$CONFDIR" ] || fail "pkg-config knows no p11-kit-1 directories (apt-get install libp11-kit-dev)"

echo "==> make install DESTDIR=... PREFIX=/usr/local"
D="$WORK/dest"
mk install DESTDIR="$D" PREFIX=/usr/local
files "$D" | tee got.txt
printf '%s\n' "$MODDIR/libgohsm.so" /usr/local/bin/gohsm "$CONFDIR/gohsm.module" | sort >want.txt
diff want.txt got.txt || fail "make install did not install exactly the three files"
cmp "$MODULE" "$D$MODDIR/libgohsm.so" || fail "the installed module differs from $MODULE"
cmp "$CLI" "$D/usr/local/bin/gohsm" || fail "the installed gohsm differs from $CLI"
[ -x "$D/usr/local/bin/gohsm" ] && [ -x "$D$MODDIR/libgohsm.so" ] || fail "installed files are not executable"
grep -qx "module: $MODDIR/libgohsm.so" "$D$CONFDIR/gohsm.module" || fail "gohsm.module does not name $MODDIR/libgohsm.so"
"$D/usr/local/bin/gohsm" version >/dev/null || fail "the installed gohsm does not run"

echo "==> make uninstall DESTDIR=..."
mk uninstall DESTDIR="$D" PREFIX=/usr/local
[ -z "$(files "$D")" ] || { files "$D"; fail "make uninstall left files behind"; }

echo "==> without p11-kit's pkg-config file: PREFIX=/opt/gohsm"
D="$WORK/dest2"
mk install DESTDIR="$D" PREFIX=/opt/gohsm PKG_CONFIG=false
files "$D" | tee got.txt
printf '%s\n' /opt/gohsm/lib/pkcs11/libgohsm.so /opt/gohsm/bin/gohsm /opt/gohsm/share/p11-kit/modules/gohsm.module |
	sort >want.txt
diff want.txt got.txt || fail "the fallback directories are wrong"
grep -qx "module: /opt/gohsm/lib/pkcs11/libgohsm.so" "$D/opt/gohsm/share/p11-kit/modules/gohsm.module" ||
	fail "gohsm.module does not name /opt/gohsm/lib/pkcs11/libgohsm.so"
mk uninstall DESTDIR="$D" PREFIX=/opt/gohsm PKG_CONFIG=false
[ -z "$(files "$D")" ] || fail "make uninstall left files behind (fallback directories)"

if [ "$(id -u)" -ne 0 ]; then
	echo "==> real install skipped: not root"
	echo "install: PASS (DESTDIR only)"
	exit 0
fi
TARGETS=("$MODDIR/libgohsm.so" /usr/local/bin/gohsm "$CONFDIR/gohsm.module")
for t in "${TARGETS[@]}"; do
	if [ -e "$t" ]; then
		echo "==> real install skipped: $t exists already (gohsm is installed on this machine)"
		echo "install: PASS (DESTDIR only)"
		exit 0
	fi
done
command -v p11-kit >/dev/null || fail "p11-kit is missing (make deps)"

# p11-kit loads the module: it gets a private store, not root's default one.
mkdir -p "$WORK/home"
LIST=(env -i PATH="$PATH" HOME="$WORK/home" GOHSM_DIR="$WORK/store" timeout 60 p11-kit list-modules)

echo "==> make install (real, PREFIX=/usr/local)"
REAL=1
mk install PREFIX=/usr/local
"${LIST[@]}" >modules.txt 2>&1 || { cat modules.txt; fail "p11-kit list-modules"; }
sed -n '/^gohsm: /,/^[^ ]/p' modules.txt | sed '$d' | head -8
grep -qx "gohsm: $MODDIR/libgohsm.so" modules.txt || { cat modules.txt; fail "p11-kit list-modules does not list gohsm"; }
sed -n '/^gohsm: /,/^[^ ]/p' modules.txt | grep -q 'manufacturer: gohsm' || fail "the gohsm module's library info is missing"

echo "==> make uninstall (real)"
mk uninstall PREFIX=/usr/local
REAL=0
for t in "${TARGETS[@]}"; do
	[ ! -e "$t" ] || fail "$t is still there after make uninstall"
done
"${LIST[@]}" >modules.txt 2>&1 || { cat modules.txt; fail "p11-kit list-modules after uninstall"; }
if grep -q '^gohsm: ' modules.txt; then
	fail "p11-kit still lists gohsm after make uninstall"
fi
echo "p11-kit no longer lists gohsm; no installed file is left"
echo "install: PASS (DESTDIR, fallback directories, real install as root)"
