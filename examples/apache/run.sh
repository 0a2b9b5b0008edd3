#!/usr/bin/env bash
# run.sh: Apache httpd (mod_ssl, prefork MPM, children as an unprivileged user)
# serving TLS with EC P-256 and RSA-2048 keys held in a PKCS#11 token, through
# libp11's OpenSSL engine (SSLCryptoDevice pkcs11, SSLCertificateKeyFile with a
# pkcs11: URI).
#
# In a fresh temporary directory it initialises a token, generates the keys,
# makes self-signed certificates with openssl through the engine, starts
# Apache (apache2 -k start: it detaches, with its own ServerRoot, pid file and
# logs) on 127.0.0.1, and checks:
#   - HANDSHAKES (default 2000) new TLS handshakes per key (openssl s_time -new),
#     each one a signature in a forked child, no session reuse; several children
#     answered and all are alive afterwards;
#   - the served certificate's public key is the token's public key;
#   - a graceful restart (SIGUSR1 to the parent) and a SIGKILLed child:
#     handshakes continue;
# then stops Apache by its own pid. Every wait is bounded: a hung child is
# reported (with its threads' kernel wait channels and the logs), not waited on.
#
# Usage: examples/apache/run.sh [module.so]     (default: ./libgohsm.so)
#   examples/apache/run.sh /usr/lib/softhsm/libsofthsm2.so
# Environment: MODULE, HANDSHAKES, SLICE (seconds per s_time run), KEEP=1 keeps
# the work directory, KEY_TYPES ("ec rsa" by default).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/apache"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
HANDSHAKES=${HANDSHAKES:-2000}
SLICE=${SLICE:-5}
KEY_TYPES=${KEY_TYPES:-ec rsa}
ENGINE=${ENGINE:-$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -1)}
APACHE=${APACHE:-/usr/sbin/apache2}
MODDIR=/usr/lib/apache2/modules

fail() { printf 'apache example: FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'apache example: SKIP: %s\n' "$*"; exit 77; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
# 77: skipped (scripts/e2e.sh reports SKIP, not FAIL).
[ -x "$APACHE" ] && [ -f "$MODDIR/mod_ssl.so" ] && [ -f "$MODDIR/mod_mpm_prefork.so" ] ||
	skip "apache2 is not installed (apt-get install apache2)"
[ -n "$ENGINE" ] || skip "libp11's engine is missing (apt-get install libengine-pkcs11-openssl)"
for tool in openssl pkcs11-tool timeout pgrep ss; do
	command -v "$tool" >/dev/null || skip "$tool is missing (make deps)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root (the Apache parent switches its children to an unprivileged user)"

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-apache.XXXXXX")
# Children run as an unprivileged user and must reach the module and the store.
chmod 0755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/run" "$WORK/servers" "$WORK/lib" "$WORK/htdocs"
echo ok >"$WORK/htdocs/index.html"
if getent passwd www-data >/dev/null; then WUSER=www-data WGROUP=www-data; else WUSER=nobody WGROUP=nogroup; fi

parent_pid() { pid_in "$WORK/apache2.pid"; }
# children: the prefork children (not the parent's own p11-kit-remote helper).
children() { local m; m=$(parent_pid) && pgrep -P "$m" -x apache2 || true; }
# four_children: the parent runs at least 4 children.
four_children() { [ "$(children | wc -w)" -ge 4 ]; }

# diagnose prints what each Apache process and its helpers are doing.
diagnose() { diagnose_server '' $(parent_pid 2>/dev/null) $(children); }

# stop_apache stops Apache by its own pid (TERM, then KILL), and any child
# (listed in KNOWN) or helper of this run that outlived it; LEFT lists the
# helpers that had to be killed.
KNOWN=""
stop_apache() { stop_server "apache parent" "$WORK/apache2.pid" "$KNOWN" TERM; }

trap 'finish_server apache stop_apache diagnose' EXIT
trap 'exit 130' INT TERM

# --- the module under test -----------------------------------------------------
# A private copy (gohsm) the unprivileged children and their helpers can read.
module_copy
export SO_PIN=so-secret USER_PIN=123456
TOKEN=apache
P11=(timeout 60 pkcs11-tool --module "$MOD")
sed -e "s|@MODULE@|$MOD|" -e "s|@ENGINE@|$ENGINE|" "$HERE/openssl.cnf.in" >"$WORK/openssl.cnf"

printf 'apache example: %s, module %s, work %s, children as %s\n' "$("$APACHE" -v | head -1)" "$MOD" "$WORK" "$WUSER"

init_token

declare -A KEYSPEC=([ec]=EC:prime256v1 [rsa]=RSA:2048)
declare -A KEYID=([ec]=01 [rsa]=02)
declare -A PORT=()
for k in $KEY_TYPES; do
	gen_keypair "$k" || fail "key generation ($k)"
done

export OPENSSL_CONF="$WORK/openssl.cnf"
for k in $KEY_TYPES; do
	URI="pkcs11:token=$TOKEN;object=$k;type=private?pin-value=$USER_PIN"
	self_signed "$k" "$URI"
	PORT[$k]=$(free_port) || fail "no free port"
	sed -e "s|@WORK@|$WORK|g" -e "s|@PORT@|${PORT[$k]}|g" -e "s|@NAME@|$k|g" -e "s|@KEY_URI@|$URI|" \
		"$HERE/server.conf.in" >"$WORK/servers/$k.conf"
done
sed -e "s|@WORK@|$WORK|g" -e "s|@USER@|$WUSER|" -e "s|@GROUP@|$WGROUP|" "$HERE/httpd.conf.in" >"$WORK/httpd.conf"
# The children's helpers open the store as the children's user.
chown -R "$WUSER:$WGROUP" "$WORK/store" "$WORK/logs"
[ -f "$WORK/gohsm.log" ] && chown "$WUSER:$WGROUP" "$WORK/gohsm.log"

HTTPD=(timeout 60 "$APACHE" -d "$WORK" -f "$WORK/httpd.conf")
step "check the configuration (apache2 -t)"
"${HTTPD[@]}" -t
step "start apache2 -k start (it detaches; pid file $WORK/apache2.pid)"
"${HTTPD[@]}" -k start
wait_until 10 four_children || fail "apache did not start 4 children"
KNOWN=$(children | tr '\n' ' ')
echo "parent $(parent_pid), children $KNOWN"
# With gohsm the parent is itself a forked process (apache2 -k start detaches
# after loading the configuration once), so it too signs through a helper.
[ "$EXPECT_HELPER" = 1 ] && echo "parent's p11-kit-remote helper: $(pgrep -P "$(parent_pid)" -f p11-kit-remote | tr '\n' ' ')"

# handshakes NAME COUNT [SECS]: at least COUNT new handshakes, in SECS-second
# s_time runs (two at a time, so that several children take connections), each
# bounded by timeout; then checks the access log and that several children answered.
handshakes() {
	tls_handshakes apache child 2 /index.html "$@" || return 1
	local served
	served=$(tail -n "$LAST_LOGGED" "$WORK/logs/access-$1.log" | awk '{print $1}' | sort -u | wc -l)
	[ "$served" -ge 2 ] || { echo "only $served child answered: expected several" >&2; return 1; }
}

# check_children: at least 4 children, all alive and not stuck; with gohsm,
# every child that answered the last batch signs through its own helper.
check_children() {
	local k=$1 c p
	c=$(children)
	[ "$(echo "$c" | wc -w)" -ge 4 ] || { echo "expected at least 4 children, have: $c" >&2; return 1; }
	for p in $c; do
		case "$(awk '/^State/{print $2}' /proc/"$p"/status 2>/dev/null)" in
		S | R) ;;
		*) echo "child $p is gone or in state $(awk '/^State/{print $2}' /proc/"$p"/status 2>/dev/null)" >&2; return 1 ;;
		esac
	done
	[ "$EXPECT_HELPER" = 1 ] || return 0
	for p in $(tail -n "$LAST_LOGGED" "$WORK/logs/access-$k.log" | awk '{print $1}' | sort -u); do
		alive "$p" || continue
		pgrep -P "$p" -f p11-kit-remote >/dev/null ||
			{ echo "child $p answered but has no p11-kit-remote helper: who signed?" >&2; return 1; }
	done
}

for k in $KEY_TYPES; do
	step "$HANDSHAKES new TLS handshakes with the $k key"
	handshakes "$k" "$HANDSHAKES" || fail "handshakes ($k)"
	check_children "$k" || fail "children after $k handshakes"
	check_served "$k"
done

step "graceful restart (SIGUSR1 to the parent $(parent_pid))"
M=$(parent_pid)
OLD=$(children | tr '\n' ' ')
kill -USR1 "$M"
for i in $(seq 1 150); do
	n=0
	for p in $OLD; do alive "$p" && n=$((n + 1)); done
	[ $n -eq 0 ] && [ "$(children | wc -w)" -ge 4 ] && break
	sleep 0.1
done
[ $n -eq 0 ] || fail "old children still running 15s after the graceful restart: $OLD"
[ "$(parent_pid)" = "$M" ] && alive "$M" || fail "the parent changed or died in the graceful restart"
NEW=$(children | tr '\n' ' ')
echo "children before: $OLD; after: $NEW"
KNOWN="$KNOWN $NEW"
AFTER=$((HANDSHAKES / 4))
for k in $KEY_TYPES; do
	handshakes "$k" "$AFTER" 2 || fail "handshakes after the graceful restart ($k)"
	check_children "$k" || fail "children after the graceful restart ($k)"
done

step "kill one child (SIGKILL); the parent starts another"
VICTIM=$(children | head -1)
VICTIM_HELPER=$(pgrep -P "$VICTIM" -f p11-kit-remote || true)
kill -KILL "$VICTIM"
for i in $(seq 1 100); do
	W=$(children | tr '\n' ' ')
	! alive "$VICTIM" && [ "$(echo "$W" | wc -w)" -ge 4 ] && ! echo " $W " | grep -q " $VICTIM " && break
	sleep 0.1
done
echo "killed $VICTIM; children now: $W"
alive "$VICTIM" && fail "child $VICTIM survived SIGKILL"
[ "$(echo "$W" | wc -w)" -ge 4 ] || fail "apache did not replace the killed child"
KNOWN="$KNOWN $W"
helpers_exit child "$VICTIM" "$VICTIM_HELPER"
for k in $KEY_TYPES; do
	handshakes "$k" "$AFTER" 2 || fail "handshakes after a killed child ($k)"
	check_children "$k" || fail "children after the respawn ($k)"
done

step "stop apache by its pid"
stop_apache
alive "$M" && fail "apache parent $M still running"
[ -z "$LEFT" ] || fail "p11-kit-remote helpers $LEFT outlived apache by 5s (killed now)"
grep -E ':(alert|emerg|crit)\]' "$WORK/logs/error.log" && fail "apache logged alerts (above)"
grep -E '^\[.*:error\]' "$WORK/logs/error.log" && fail "apache logged errors (above)"
[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---"; cat "$WORK/gohsm.log"; }
printf '\napache example: PASS with %s (keys: %s) in %ds\n' "$(basename "$MODULE")" "$KEY_TYPES" $((SECONDS - START))
