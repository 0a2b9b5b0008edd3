#!/usr/bin/env bash
# run.sh: NGINX (2 forked workers, unprivileged) serving TLS with EC P-256 and
# RSA-2048 keys held in a PKCS#11 token, through libp11's OpenSSL engine.
#
# In a fresh temporary directory it initialises a token, generates the keys,
# makes self-signed certificates with openssl through the engine, starts NGINX
# with its own pid file on 127.0.0.1, and checks:
#   - HANDSHAKES (default 2000) new TLS handshakes per key (openssl s_time -new),
#     each one a signature in a forked worker, no session reuse;
#   - both workers alive and both answered handshakes;
#   - the served certificate's public key is the token's public key;
#   - `nginx -s reload` and a SIGKILLed worker: handshakes continue;
# then stops NGINX by its own pid. Every wait is bounded: a hung worker is
# reported (with its threads' kernel wait channels and the logs), not waited on.
#
# Usage: examples/nginx/run.sh [module.so]     (default: ./libgohsm.so)
#   MODULE=/usr/lib/softhsm/libsofthsm2.so examples/nginx/run.sh
# Environment: MODULE, HANDSHAKES, SLICE (seconds per s_time run), KEEP=1 keeps
# the work directory, KEY_TYPES ("ec rsa" by default), REQUIRE_RSA=0 lets a
# module without RSA key generation run with EC alone.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/examples/nginx"
MODULE=$(realpath "${1:-${MODULE:-$ROOT/libgohsm.so}}")
HANDSHAKES=${HANDSHAKES:-2000}
SLICE=${SLICE:-5}
KEY_TYPES=${KEY_TYPES:-ec rsa}
ENGINE=${ENGINE:-$(ls /usr/lib/*/engines-3/pkcs11.so 2>/dev/null | head -1)}

fail() { printf 'nginx example: FAIL: %s\n' "$*" >&2; exit 1; }
[ -f "$MODULE" ] || fail "$MODULE is missing (run 'make' first)"
[ -n "$ENGINE" ] || fail "libp11's engine is missing (apt-get install libengine-pkcs11-openssl)"
for tool in nginx openssl pkcs11-tool timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done
if [ "$(id -u)" -ne 0 ]; then
	# 77: skipped (scripts/e2e.sh reports SKIP, not FAIL).
	echo "nginx example: SKIP: needs root (NGINX's master switches its workers to an unprivileged user)"
	exit 77
fi

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gohsm-nginx.XXXXXX")
# Workers run as an unprivileged user and must reach the module and the store.
chmod 0755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/tmp" "$WORK/servers" "$WORK/lib"
if getent passwd www-data >/dev/null; then WUSER=www-data WGROUP=www-data; else WUSER=nobody WGROUP=nogroup; fi

master_pid() { pid_in "$WORK/nginx.pid"; }
workers() { local m; m=$(master_pid) && pgrep -P "$m" -f 'nginx: worker' || true; }
# two_workers: the master runs exactly 2 workers.
two_workers() { [ "$(workers | wc -w)" -eq 2 ]; }

# diagnose prints what each nginx process and its helpers are doing.
diagnose() { diagnose_server 'nginx: |p11-kit-remote' $(master_pid 2>/dev/null) $(workers); }

# stop_nginx stops NGINX by its own pid (QUIT, then TERM, then KILL), and any
# worker (listed in KNOWN_WORKERS) or helper of this run that outlived it; LEFT
# lists the helpers that had to be killed.
KNOWN_WORKERS=""
stop_nginx() { stop_server "nginx master" "$WORK/nginx.pid" "$KNOWN_WORKERS" QUIT TERM; }

trap 'finish_server nginx stop_nginx diagnose' EXIT
trap 'exit 130' INT TERM

# --- the module under test -----------------------------------------------------
# A private copy (gohsm) the unprivileged workers and their helpers can read.
module_copy
if [ "$EXPECT_HELPER" = 1 ]; then
	ENV_LINES="# (no env lines: gohsm passes its store to the worker itself)"
else
	ENV_LINES="env SOFTHSM2_CONF;"
fi
export SO_PIN=so-secret USER_PIN=123456
TOKEN=nginx
P11=(timeout 60 pkcs11-tool --module "$MOD")
sed -e "s|@MODULE@|$MOD|" -e "s|@ENGINE@|$ENGINE|" "$HERE/openssl.cnf.in" >"$WORK/openssl.cnf"

printf 'nginx example: module %s, work %s, workers as %s\n' "$MOD" "$WORK" "$WUSER"

init_token

declare -A KEYSPEC=([ec]=EC:prime256v1 [rsa]=RSA:2048)
declare -A KEYID=([ec]=01 [rsa]=02)
declare -A PORT=()
ACTIVE=""
for k in $KEY_TYPES; do
	if ! gen_keypair "$k"; then
		if [ "$k" = rsa ] && [ "${REQUIRE_RSA:-1}" = 0 ]; then
			echo "SKIP rsa: the module cannot generate an RSA-2048 key pair (REQUIRE_RSA=0)"
			continue
		fi
		fail "key generation ($k)"
	fi
	ACTIVE="$ACTIVE $k"
done
[ -n "$ACTIVE" ] || fail "no key could be generated"

export OPENSSL_CONF="$WORK/openssl.cnf"
for k in $ACTIVE; do
	URI="pkcs11:token=$TOKEN;object=$k;type=private?pin-value=$USER_PIN"
	self_signed "$k" "$URI"
	openssl x509 -in "$WORK/$k.crt" -noout -subject -pubkey >"$WORK/$k-crt.txt"
	PORT[$k]=$(free_port) || fail "no free port"
	sed -e "s|@WORK@|$WORK|g" -e "s|@PORT@|${PORT[$k]}|" -e "s|@NAME@|$k|g" -e "s|@KEY_URI@|$URI|" \
		"$HERE/server.conf.in" >"$WORK/servers/$k.conf"
done
sed -e "s|@WORK@|$WORK|g" -e "s|@USER@|$WUSER|" -e "s|@GROUP@|$WGROUP|" -e "s|@ENV_LINES@|$ENV_LINES|" \
	"$HERE/nginx.conf.in" >"$WORK/nginx.conf"
# The workers' helpers open the store as the workers' user.
chown -R "$WUSER:$WGROUP" "$WORK/store" "$WORK/logs"
[ -f "$WORK/gohsm.log" ] && chown "$WUSER:$WGROUP" "$WORK/gohsm.log"

NGINX=(timeout 60 nginx -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log")
step "check the configuration (nginx -t loads the keys through the engine)"
"${NGINX[@]}" -t
step "start nginx (daemon, pid file $WORK/nginx.pid)"
"${NGINX[@]}"
wait_until 5 two_workers || fail "nginx did not start 2 workers"
KNOWN_WORKERS=$(workers | tr '\n' ' ')
echo "master $(master_pid), workers $KNOWN_WORKERS"

# handshakes NAME COUNT [SECS]: at least COUNT new handshakes, in SECS-second (SLICE) s_time
# runs, each bounded by timeout; then checks the access log.
handshakes() { tls_handshakes nginx worker 1 / "$@"; }

# check_workers: exactly two workers, both alive.
check_workers() {
	local w
	w=$(workers)
	[ "$(echo "$w" | wc -w)" -eq 2 ] || { echo "expected 2 workers, have: $w" >&2; return 1; }
	for p in $w; do
		alive "$p" || { echo "worker $p is gone" >&2; return 1; }
		case "$(awk '/^State/{print $2}' /proc/"$p"/status)" in
		S | R) ;;
		*) echo "worker $p in state $(awk '/^State/{print $2}' /proc/"$p"/status)" >&2; return 1 ;;
		esac
		# gohsm in a forked worker runs in its own p11-kit-remote helper.
		if [ "$EXPECT_HELPER" = 1 ] && ! pgrep -P "$p" -f p11-kit-remote >/dev/null; then
			echo "worker $p has no p11-kit-remote helper: who signed?" >&2
			return 1
		fi
	done
}
# served_by_each NAME: each current worker answered some of the last batch.
served_by_each() {
	local k=$1 last=$LAST_LOGGED p
	for p in $(workers); do
		# (awk reads all its input: grep -q would SIGPIPE tail under pipefail)
		tail -n "$last" "$WORK/logs/access-$k.log" | awk -v p="$p" '$1 == p {n++} END {exit !n}' ||
			{ echo "worker $p answered none of the last $last $k handshakes" >&2; return 1; }
	done
}

for k in $ACTIVE; do
	step "$HANDSHAKES new TLS handshakes with the $k key"
	handshakes "$k" "$HANDSHAKES" || fail "handshakes ($k)"
	check_workers || fail "workers after $k handshakes"
	served_by_each "$k" || fail "both workers must sign ($k)"
	check_served "$k"
done

step "nginx -s reload"
OLD=$(workers | tr '\n' ' ')
"${NGINX[@]}" -s reload
for i in $(seq 1 100); do
	NEW=$(workers | tr '\n' ' ')
	n=0
	for p in $OLD; do alive "$p" && n=$((n + 1)); done
	[ $n -eq 0 ] && [ "$(echo "$NEW" | wc -w)" -eq 2 ] && break
	sleep 0.1
done
[ $n -eq 0 ] || fail "old workers ($OLD) still running 10s after reload"
echo "workers before: $OLD; after: $NEW"
KNOWN_WORKERS="$KNOWN_WORKERS $NEW"
AFTER=$((HANDSHAKES / 4))
for k in $ACTIVE; do
	handshakes "$k" "$AFTER" 2 || fail "handshakes after reload ($k)"
done
check_workers || fail "workers after reload"

step "kill one worker (SIGKILL); the master starts another"
VICTIM=$(workers | head -1)
VICTIM_HELPER=$(pgrep -P "$VICTIM" -f p11-kit-remote || true)
kill -KILL "$VICTIM"
for i in $(seq 1 100); do
	W=$(workers | tr '\n' ' ')
	! alive "$VICTIM" && [ "$(echo "$W" | wc -w)" -eq 2 ] && ! echo " $W " | grep -q " $VICTIM " && break
	sleep 0.1
done
echo "killed $VICTIM; workers now: $W"
[ "$(echo "$W" | wc -w)" -eq 2 ] || fail "nginx did not replace the killed worker"
KNOWN_WORKERS="$KNOWN_WORKERS $W"
helpers_exit worker "$VICTIM" "$VICTIM_HELPER"
for k in $ACTIVE; do
	handshakes "$k" "$AFTER" 2 || fail "handshakes after a killed worker ($k)"
	served_by_each "$k" || fail "both workers must sign after the respawn ($k)"
done
check_workers || fail "workers after the respawn"

step "stop nginx by its pid"
M=$(master_pid)
stop_nginx
alive "$M" && fail "nginx master $M still running"
[ -z "$LEFT" ] || fail "p11-kit-remote helpers $LEFT outlived nginx by 5s (killed now)"
grep -E '\[(alert|emerg|crit)\]' "$WORK/logs/error.log" | grep -v 'exited on signal 9' && fail "nginx logged alerts (above)"
[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log ---"; cat "$WORK/gohsm.log"; }
printf '\nnginx example: PASS with %s (keys:%s) in %ds\n' "$(basename "$MODULE")" "$ACTIVE" $((SECONDS - START))
