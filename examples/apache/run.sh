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

parent_pid() { [ -s "$WORK/apache2.pid" ] && cat "$WORK/apache2.pid"; }
# children: the prefork children (not the parent's own p11-kit-remote helper).
children() { local m; m=$(parent_pid) && pgrep -P "$m" -x apache2 || true; }

# diagnose prints what each Apache process and its helpers are doing: a Go
# runtime that hangs after fork sits in futex_wait for ever.
diagnose() {
	echo "--- processes (pid ppid user state wchan cmd) ---" >&2
	ps -eo pid,ppid,user,stat,wchan:24,args | awk -v w="$WORK" 'NR==1 || index($0, w)' >&2 || true
	local p t c
	for p in $(parent_pid 2>/dev/null) $(children); do
		alive "$p" || continue
		echo "--- pid $p threads (tid state wchan) ---" >&2
		for t in /proc/"$p"/task/*; do
			printf '%s %s %s\n' "${t##*/}" "$(awk '/^State/{print $2}' "$t/status" 2>/dev/null)" \
				"$(cat "$t/wchan" 2>/dev/null)" >&2
		done
		for c in $(pgrep -P "$p" -f p11-kit-remote || true); do
			echo "    helper $c: $(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null | cut -c1-100)" >&2
		done
	done
	echo "--- error.log (last 60 lines) ---" >&2
	tail -n 60 "$WORK/logs/error.log" >&2 2>/dev/null || true
}

# stop_apache stops Apache by its own pid (TERM, then KILL), and any child or
# helper of this run that outlived it.
KNOWN=""
LEFT=""
stop_apache() {
	local m i p
	m=$(parent_pid) || return 0
	if alive "$m"; then
		kill -TERM "$m" 2>/dev/null || true
		for i in $(seq 1 100); do alive "$m" || break; sleep 0.1; done
		alive "$m" && { echo "apache parent $m ignored TERM for 10s; KILL" >&2; kill -KILL "$m" 2>/dev/null || true; }
	fi
	for p in $KNOWN; do
		alive "$p" && [ "$(awk '{print $4}' /proc/"$p"/stat 2>/dev/null)" = 1 ] && kill -KILL "$p" 2>/dev/null || true
	done
	# p11-kit-remote helpers name the module copy inside $WORK: ours alone. They
	# exit by themselves when their process's socket closes; give them 5s.
	LEFT=""
	for i in $(seq 1 50); do
		LEFT=$(pgrep -f "p11-kit-remote $WORK/" | tr '\n' ' ' || true)
		[ -z "$LEFT" ] && break
		sleep 0.1
	done
	for p in $LEFT; do kill -KILL "$p" 2>/dev/null || true; done
	rm -f "$WORK/apache2.pid"
}

finish() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '\napache example: FAILED (exit %d) after %ds with %s\n' "$rc" $((SECONDS - START)) "$MODULE" >&2
		diagnose
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log (last 40 lines) ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	stop_apache
	if [ "${KEEP:-0}" = 1 ]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

# --- the module under test -----------------------------------------------------
# A private copy: a rebuild of the original during the run cannot change it, and
# the unprivileged children (and their p11-kit-remote helpers) can read it.
case "$(basename "$MODULE")" in
libsofthsm2.so)
	export SOFTHSM2_CONF="$WORK/softhsm2.conf"
	mkdir -p "$WORK/store"
	printf 'directories.tokendir = %s/store\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$SOFTHSM2_CONF"
	EXPECT_HELPER=0
	MOD="$MODULE"
	;;
*)
	cp "$MODULE" "$WORK/lib/"
	MOD="$WORK/lib/$(basename "$MODULE")"
	chmod 0755 "$MOD"
	export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
	printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >"$GOHSM_CONF"
	EXPECT_HELPER=1
	;;
esac
export SO_PIN=so-secret USER_PIN=123456
TOKEN=apache
P11=(timeout 60 pkcs11-tool --module "$MOD")
sed -e "s|@MODULE@|$MOD|" -e "s|@ENGINE@|$ENGINE|" "$HERE/openssl.cnf.in" >"$WORK/openssl.cnf"

printf 'apache example: %s, module %s, work %s, children as %s\n' "$("$APACHE" -v | head -1)" "$MOD" "$WORK" "$WUSER"

step "initialise token '$TOKEN' and the user PIN (pkcs11-tool)"
"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN
"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN

declare -A KEYSPEC=([ec]=EC:prime256v1 [rsa]=RSA:2048)
declare -A KEYID=([ec]=01 [rsa]=02)
declare -A PORT=()
for k in $KEY_TYPES; do
	step "generate the $k key pair (${KEYSPEC[$k]}) in the token"
	"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen \
		--key-type "${KEYSPEC[$k]}" --label "$k" --id "${KEYID[$k]}" >"$WORK/keygen-$k.txt" 2>&1 ||
		{ cat "$WORK/keygen-$k.txt" >&2; fail "key generation ($k)"; }
done

export OPENSSL_CONF="$WORK/openssl.cnf"
for k in $KEY_TYPES; do
	URI="pkcs11:token=$TOKEN;object=$k;type=private?pin-value=$USER_PIN"
	step "self-signed certificate for the $k key (openssl req through the engine)"
	timeout 60 openssl req -new -x509 -days 2 -subj "/CN=localhost" -sha256 \
		-engine pkcs11 -keyform engine -key "$URI" -out "$WORK/$k.crt" 2>&1 | grep -v '^Engine "pkcs11" set' || true
	[ -s "$WORK/$k.crt" ] || fail "openssl req could not make $k.crt"
	token_pubkey "$k" >"$WORK/$k-token.pem" || fail "cannot read the $k public key from the token"
	diff <(openssl x509 -in "$WORK/$k.crt" -noout -pubkey) "$WORK/$k-token.pem" >/dev/null ||
		fail "$k.crt does not carry the token's public key"
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
for i in $(seq 1 100); do [ "$(children | wc -w)" -ge 4 ] && break; sleep 0.1; done
[ "$(children | wc -w)" -ge 4 ] || fail "apache did not start 4 children"
KNOWN=$(children | tr '\n' ' ')
echo "parent $(parent_pid), children $KNOWN"
# With gohsm the parent is itself a forked process (apache2 -k start detaches
# after loading the configuration once), so it too signs through a helper.
[ "$EXPECT_HELPER" = 1 ] && echo "parent's p11-kit-remote helper: $(pgrep -P "$(parent_pid)" -f p11-kit-remote | tr '\n' ' ')"

# handshakes NAME COUNT [SECS]: at least COUNT new handshakes, in SECS-second
# s_time runs (two at a time, so that several children take connections), each
# bounded by timeout; then checks the access log.
handshakes() {
	local k=$1 want=$2 slice=${3:-$SLICE} got=0 runs=0 t0=$SECONDS n before j
	before=$(wc -l <"$WORK/logs/access-$k.log" 2>/dev/null || echo 0)
	while [ "$got" -lt "$want" ]; do
		runs=$((runs + 1))
		[ $runs -le $((want / 50 + 5)) ] || { echo "too many s_time runs" >&2; return 1; }
		local pids=()
		for j in 1 2; do
			timeout $((slice + 20)) openssl s_time -connect "127.0.0.1:${PORT[$k]}" -new \
				-time "$slice" -www /index.html >"$WORK/s_time-$j.txt" 2>&1 &
			pids[j]=$!
		done
		for j in 1 2; do
			if ! wait "${pids[j]}"; then
				grep -v '^\**$' "$WORK/s_time-$j.txt" | tail -n 5 >&2
				echo "s_time against $k failed or hung (timeout $((slice + 20))s) after $got handshakes" >&2
				return 1
			fi
		done
		for j in 1 2; do
			n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$WORK/s_time-$j.txt" | head -1)
			[ -n "$n" ] && [ "$n" -gt 0 ] || { grep -v '^\**$' "$WORK/s_time-$j.txt" | tail -n 5 >&2; echo "s_time made no connection" >&2; return 1; }
			got=$((got + n))
		done
	done
	local secs=$((SECONDS - t0)) logged i
	# Apache logs a request just after answering it: let the last lines land.
	for i in $(seq 1 20); do
		logged=$(($(wc -l <"$WORK/logs/access-$k.log") - before))
		[ "$logged" -ge "$got" ] && break
		sleep 0.1
	done
	printf '%s: %d handshakes in %ds (%d/s), %d logged by apache; per child:' "$k" "$got" "$secs" \
		$((got / (secs > 0 ? secs : 1))) "$logged"
	tail -n "$logged" "$WORK/logs/access-$k.log" | awk '{n[$1]++} END {for (p in n) printf " pid %s: %d", p, n[p]; print ""}'
	LAST_LOGGED=$logged
	[ "$logged" -ge "$got" ] || { echo "apache logged fewer requests than s_time counted" >&2; return 1; }
	if tail -n "$logged" "$WORK/logs/access-$k.log" | awk '$NF != 200 {bad++} END {exit !bad}'; then
		echo "some requests did not get 200" >&2
		return 1
	fi
	local served
	served=$(tail -n "$logged" "$WORK/logs/access-$k.log" | awk '{print $1}' | sort -u | wc -l)
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
	step "the served $k certificate carries the token's public key"
	served_pubkey "$k" >"$WORK/$k-served.pem" || fail "cannot fetch the served $k certificate"
	diff "$WORK/$k-served.pem" "$WORK/$k-token.pem" >/dev/null || fail "served $k key differs from the token's"
	echo "same public key"
	if [ "$k" = rsa ]; then
		step "RSA PKCS#1 v1.5 signatures too (TLS 1.2, sigalgs RSA+SHA256)"
		for i in $(seq 1 20); do
			timeout 20 openssl s_client -connect "127.0.0.1:${PORT[$k]}" -tls1_2 -sigalgs RSA+SHA256 \
				-no_ticket </dev/null >"$WORK/s_client.txt" 2>&1 || { tail -5 "$WORK/s_client.txt" >&2; fail "TLS 1.2 RSA+SHA256 handshake $i"; }
		done
		grep -q "Peer signature type: RSA$" "$WORK/s_client.txt" || { grep -i 'signature' "$WORK/s_client.txt" >&2; fail "expected a PKCS#1 v1.5 peer signature"; }
		echo "20 handshakes signed with RSA PKCS#1 v1.5"
	fi
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
# The killed child's helper sees its socket close and exits.
for p in $VICTIM_HELPER; do
	for i in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
	alive "$p" && fail "helper $p of the killed child $VICTIM still runs after 5s"
	echo "the killed child's helper $p exited"
done
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
