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

master_pid() { [ -s "$WORK/nginx.pid" ] && cat "$WORK/nginx.pid"; }
workers() { local m; m=$(master_pid) && pgrep -P "$m" -f 'nginx: worker' || true; }

# diagnose prints what each nginx process and its helpers are doing: a Go
# runtime that hangs after fork sits in futex_wait for ever.
diagnose() {
	echo "--- processes (pid ppid user state wchan cmd) ---" >&2
	ps -eo pid,ppid,user,stat,wchan:24,args | awk -v w="$WORK" 'NR==1 || index($0, w) || /nginx: |p11-kit-remote/' >&2 || true
	local p t
	for p in $(master_pid 2>/dev/null) $(workers); do
		alive "$p" || continue
		echo "--- pid $p threads (tid state wchan) ---" >&2
		for t in /proc/"$p"/task/*; do
			printf '%s %s %s\n' "${t##*/}" "$(awk '/^State/{print $2}' "$t/status" 2>/dev/null)" \
				"$(cat "$t/wchan" 2>/dev/null)" >&2
		done
		for c in $(pgrep -P "$p" || true); do
			echo "    child $c: $(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null | cut -c1-100)" >&2
			for t in /proc/"$c"/task/*; do
				printf '      %s %s %s\n' "${t##*/}" "$(awk '/^State/{print $2}' "$t/status" 2>/dev/null)" \
					"$(cat "$t/wchan" 2>/dev/null)" >&2
			done
		done
	done
	echo "--- error.log (last 60 lines) ---" >&2
	tail -n 60 "$WORK/logs/error.log" >&2 2>/dev/null || true
}

# stop_nginx stops NGINX by its own pid (QUIT, then TERM, then KILL), and any
# worker or helper of this run that outlived it.
KNOWN_WORKERS=""
LEFT=""
stop_nginx() {
	local m i
	m=$(master_pid) || return 0
	if alive "$m"; then
		kill -QUIT "$m" 2>/dev/null || true
		for i in $(seq 1 50); do alive "$m" || break; sleep 0.2; done
		alive "$m" && { echo "nginx master $m ignored QUIT; TERM" >&2; kill -TERM "$m" 2>/dev/null || true; sleep 2; }
		alive "$m" && { echo "nginx master $m ignored TERM; KILL" >&2; kill -KILL "$m" 2>/dev/null || true; }
	fi
	for p in $KNOWN_WORKERS; do
		alive "$p" && [ "$(awk '{print $4}' /proc/"$p"/stat 2>/dev/null)" = 1 ] && kill -KILL "$p" 2>/dev/null || true
	done
	# p11-kit-remote helpers name the module copy inside $WORK: ours alone. They
	# exit by themselves when their worker's socket closes; give them 5s.
	LEFT=""
	for i in $(seq 1 50); do
		LEFT=$(pgrep -f "p11-kit-remote $WORK/" | tr '\n' ' ' || true)
		[ -z "$LEFT" ] && break
		sleep 0.1
	done
	for p in $LEFT; do kill -KILL "$p" 2>/dev/null || true; done
	rm -f "$WORK/nginx.pid"
}

finish() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '\nnginx example: FAILED (exit %d) after %ds with %s\n' "$rc" $((SECONDS - START)) "$MODULE" >&2
		diagnose
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log (last 40 lines) ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	stop_nginx
	if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 -a "${KEEP:-0}" != 0 ]; then
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
# the unprivileged workers (and their p11-kit-remote helpers) can read it.
# SoftHSMv2 stays where it is (it is installed world-readable).
case "$(basename "$MODULE")" in
libsofthsm2.so)
	export SOFTHSM2_CONF="$WORK/softhsm2.conf"
	mkdir -p "$WORK/store"
	printf 'directories.tokendir = %s/store\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$SOFTHSM2_CONF"
	ENV_LINES="env SOFTHSM2_CONF;"
	EXPECT_HELPER=0
	MOD="$MODULE"
	;;
*)
	cp "$MODULE" "$WORK/lib/"
	MOD="$WORK/lib/$(basename "$MODULE")"
	chmod 0755 "$MOD"
	export GOHSM_DIR="$WORK/store" GOHSM_CONF="$WORK/gohsm.toml"
	printf '[log]\nlevel = "warn"\nfile = "%s/gohsm.log"\n' "$WORK" >"$GOHSM_CONF"
	ENV_LINES="# (no env lines: gohsm passes its store to the worker itself)"
	EXPECT_HELPER=1
	;;
esac
export SO_PIN=so-secret USER_PIN=123456
TOKEN=nginx
P11=(timeout 60 pkcs11-tool --module "$MOD")
sed -e "s|@MODULE@|$MOD|" -e "s|@ENGINE@|$ENGINE|" "$HERE/openssl.cnf.in" >"$WORK/openssl.cnf"

printf 'nginx example: module %s, work %s, workers as %s\n' "$MOD" "$WORK" "$WUSER"

step "initialise token '$TOKEN' and the user PIN (pkcs11-tool)"
"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN
"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN

declare -A KEYSPEC=([ec]=EC:prime256v1 [rsa]=RSA:2048)
declare -A KEYID=([ec]=01 [rsa]=02)
declare -A PORT=()
ACTIVE=""
for k in $KEY_TYPES; do
	step "generate the $k key pair (${KEYSPEC[$k]}) in the token"
	if ! "${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen \
		--key-type "${KEYSPEC[$k]}" --label "$k" --id "${KEYID[$k]}" >"$WORK/keygen-$k.txt" 2>&1; then
		cat "$WORK/keygen-$k.txt" >&2
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
	step "self-signed certificate for the $k key (openssl req through the engine)"
	timeout 60 openssl req -new -x509 -days 2 -subj "/CN=localhost" -sha256 \
		-engine pkcs11 -keyform engine -key "$URI" -out "$WORK/$k.crt" 2>&1 | grep -v '^Engine "pkcs11" set' || true
	[ -s "$WORK/$k.crt" ] || fail "openssl req could not make $k.crt"
	openssl x509 -in "$WORK/$k.crt" -noout -subject -pubkey >"$WORK/$k-crt.txt"
	token_pubkey "$k" >"$WORK/$k-token.pem" || fail "cannot read the $k public key from the token"
	diff <(openssl x509 -in "$WORK/$k.crt" -noout -pubkey) "$WORK/$k-token.pem" >/dev/null ||
		fail "$k.crt does not carry the token's public key"
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
for i in $(seq 1 50); do [ "$(workers | wc -w)" -eq 2 ] && break; sleep 0.1; done
[ "$(workers | wc -w)" -eq 2 ] || fail "nginx did not start 2 workers"
KNOWN_WORKERS=$(workers | tr '\n' ' ')
echo "master $(master_pid), workers $KNOWN_WORKERS"

# handshakes NAME COUNT [SECS]: at least COUNT new handshakes, in SECS-second (SLICE) s_time
# runs, each bounded by timeout; then checks which workers answered.
handshakes() {
	local k=$1 want=$2 slice=${3:-$SLICE} got=0 runs=0 t0=$SECONDS out n before
	before=$(wc -l <"$WORK/logs/access-$k.log" 2>/dev/null || echo 0)
	while [ "$got" -lt "$want" ]; do
		runs=$((runs + 1))
		[ $runs -le $((want / 50 + 5)) ] || { echo "too many s_time runs" >&2; return 1; }
		if ! out=$(timeout $((slice + 20)) openssl s_time -connect "127.0.0.1:${PORT[$k]}" -new \
			-time "$slice" -www / 2>&1); then
			echo "$out" | grep -v '^\**$' | tail -n 5 >&2
			echo "s_time against $k failed or hung (timeout $((slice + 20))s) after $got handshakes" >&2
			return 1
		fi
		n=$(echo "$out" | sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' | head -1)
		[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$out" | grep -v '^\**$' | tail -n 5 >&2; echo "s_time made no connection" >&2; return 1; }
		got=$((got + n))
	done
	local secs=$((SECONDS - t0)) logged i
	# NGINX logs a request just after answering it: let the last lines land.
	for i in $(seq 1 20); do
		logged=$(($(wc -l <"$WORK/logs/access-$k.log") - before))
		[ "$logged" -ge "$got" ] && break
		sleep 0.1
	done
	printf '%s: %d handshakes in %ds (%d/s), %d logged by nginx; per worker:' "$k" "$got" "$secs" \
		$((got / (secs > 0 ? secs : 1))) "$logged"
	tail -n "$logged" "$WORK/logs/access-$k.log" | awk '{n[$1]++} END {for (p in n) printf " pid %s: %d", p, n[p]; print ""}'
	LAST_LOGGED=$logged
	[ "$logged" -ge "$got" ] || { echo "nginx logged fewer requests than s_time counted" >&2; return 1; }
	if tail -n "$logged" "$WORK/logs/access-$k.log" | awk '$NF != 200 {bad++} END {exit !bad}'; then
		echo "some requests did not get 200" >&2
		return 1
	fi
}

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
# The killed worker's helper sees its socket close and exits.
for p in $VICTIM_HELPER; do
	for i in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
	alive "$p" && fail "helper $p of the killed worker $VICTIM still runs after 5s"
	echo "the killed worker's helper $p exited"
done
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
