# lib.sh: shell helpers shared by the examples' run.sh scripts. Source it with
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# The helpers read the caller's globals at call time (named per helper below).
# shellcheck shell=bash

# step TEXT: prints a step header with the seconds since $START, and records
# the step in $CURRENT for the script's failure message.
step() { CURRENT="$*"; printf '\n==> [%3ds] %s\n' $((SECONDS - ${START:-0})) "$*"; }

# alive PID: the process still exists; gone PID: it does not.
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! alive "$1"; }

# free_port prints a TCP port nothing listens on (needs ss).
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# p256_spki_pem: stdin is pkcs11-tool's listing of one EC P-256 public key; prints
# the key as PEM, built from the CKA_EC_POINT shown there. (pkcs11-tool 0.23's
# own --read-object export of EC keys hands OpenSSL freed memory, so it fails
# depending on the heap's layout: seen with gdb, "invalid encoding".)
p256_spki_pem() {
	local hex
	hex=$(sed -n 's/^ *EC_POINT: *\([0-9a-fA-F]*\).*/\1/p' | head -1)
	hex=${hex#0441}
	[ ${#hex} -eq 130 ] && [ "${hex:0:2}" = 04 ] || { echo "no P-256 EC_POINT in pkcs11-tool's listing" >&2; return 1; }
	# shellcheck disable=SC2059 # the format is the key's bytes as \x escapes
	printf "$(printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "$hex" | sed 's/../\\x&/g')" |
		openssl pkey -pubin -inform DER
}

# token_pubkey ec|rsa: the public key as the token holds it, as PEM (read by
# pkcs11-tool, not by libp11). Uses P11 (the pkcs11-tool command), TOKEN,
# KEYID (key type -> CKA_ID) and WORK.
token_pubkey() {
	if [ "$1" = ec ]; then
		"${P11[@]}" --token-label "$TOKEN" --list-objects --type pubkey --id "${KEYID[$1]}" 2>/dev/null | p256_spki_pem
	else
		"${P11[@]}" --token-label "$TOKEN" --read-object --type pubkey --id "${KEYID[$1]}" -o "$WORK/$1-pub.der" >/dev/null 2>&1 &&
			openssl pkey -pubin -inform DER -in "$WORK/$1-pub.der"
	fi
}

# served_pubkey NAME: the public key of the certificate the local TLS server on
# PORT[NAME] presents, as PEM.
served_pubkey() {
	timeout 20 openssl s_client -connect "127.0.0.1:${PORT[$1]}" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -pubkey
}

# --- real servers (apache, nginx) that load the module in forked processes ---
# These read WORK (the run's directory), PORT, SLICE, START, MODULE and KEEP,
# and call the script's fail.

# pid_in FILE: the pid a server wrote to FILE (fails while there is none).
pid_in() { [ -s "$1" ] && cat "$1"; }

# wait_until SECS CMD...: runs CMD every 0.1s until it succeeds (status 0) or
# SECS have passed (status 1).
wait_until() {
	local i n=$(($1 * 10))
	shift
	for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	"$@"
}

# show_threads PID [INDENT]: each thread of PID as "tid state wchan" on stderr.
show_threads() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s%s %s %s\n' "${2:-}" "${t##*/}" "$(awk '/^State/{print $2}' "$t/status" 2>/dev/null)" \
			"$(cat "$t/wchan" 2>/dev/null)" >&2
	done
}

# diagnose_server PS_REGEX PID...: what each server process and its children
# (p11-kit-remote helpers, workers) are doing, with the error log: a Go runtime
# that hangs after fork sits in futex_wait for ever. ps lists the lines naming
# WORK, and those matching PS_REGEX when it is not empty.
diagnose_server() {
	local re=$1 p c t
	shift
	echo "--- processes (pid ppid user state wchan cmd) ---" >&2
	ps -eo pid,ppid,user,stat,wchan:24,args | awk -v w="$WORK" -v re="$re" 'NR==1 || index($0, w) || (re != "" && $0 ~ re)' >&2 || true
	for p in "$@"; do
		alive "$p" || continue
		echo "--- pid $p threads (tid state wchan) ---" >&2
		show_threads "$p"
		for c in $(pgrep -P "$p" || true); do
			# The server's own processes have their section above.
			[[ " $* " == *" $c "* ]] && continue
			t=child
			grep -q p11-kit-remote /proc/"$c"/cmdline 2>/dev/null && t=helper
			echo "    $t $c: $(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null | cut -c1-100)" >&2
			show_threads "$c" '      '
		done
	done
	echo "--- error.log (last 60 lines) ---" >&2
	tail -n 60 "$WORK/logs/error.log" >&2 2>/dev/null || true
}

# stop_server WHAT PIDFILE KNOWN SIG...: stops the server whose main pid is in
# PIDFILE (WHAT names it in messages: "nginx master") with each SIG in turn,
# 10s each, then KILL; KILLs any process in KNOWN (its earlier children) left
# orphaned (parent 1); gives the p11-kit-remote helpers of this run 5s to exit
# and KILLs those left, listed in LEFT for the caller to check.
LEFT=""
stop_server() {
	local what=$1 pidfile=$2 known=$3 m p sig prev=""
	shift 3
	LEFT=""
	m=$(pid_in "$pidfile") || return 0
	for sig in "$@" KILL; do
		alive "$m" || break
		[ -z "$prev" ] || echo "$what $m ignored $prev for 10s; $sig" >&2
		kill -"$sig" "$m" 2>/dev/null || true
		[ "$sig" = KILL ] || wait_until 10 gone "$m" || true
		prev=$sig
	done
	for p in $known; do
		alive "$p" && [ "$(awk '{print $4}' /proc/"$p"/stat 2>/dev/null)" = 1 ] && kill -KILL "$p" 2>/dev/null || true
	done
	# p11-kit-remote helpers name the module copy inside $WORK: ours alone. They
	# exit by themselves when their process's socket closes; give them 5s.
	wait_until 5 no_helpers_left || true
	for p in $LEFT; do kill -KILL "$p" 2>/dev/null || true; done
	rm -f "$pidfile"
}

# no_helpers_left: no p11-kit-remote helper of this run runs; sets LEFT to
# those that do.
no_helpers_left() {
	LEFT=$(pgrep -f "p11-kit-remote $WORK/" | tr '\n' ' ' || true)
	[ -z "$LEFT" ]
}

# init_token: initialises token TOKEN with SO_PIN and sets its USER_PIN, with
# P11 (the pkcs11-tool command).
init_token() {
	step "initialise token '$TOKEN' and the user PIN (pkcs11-tool)"
	"${P11[@]}" --init-token --label "$TOKEN" --so-pin env:SO_PIN
	"${P11[@]}" --token-label "$TOKEN" --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN
}

# gen_keypair NAME: generates the key pair KEYSPEC[NAME] labelled NAME with
# CKA_ID KEYID[NAME] in TOKEN; on failure shows pkcs11-tool's output and fails.
gen_keypair() {
	local k=$1
	step "generate the $k key pair (${KEYSPEC[$k]}) in the token"
	"${P11[@]}" --token-label "$TOKEN" --login --pin env:USER_PIN --keypairgen \
		--key-type "${KEYSPEC[$k]}" --label "$k" --id "${KEYID[$k]}" >"$WORK/keygen-$k.txt" 2>&1 ||
		{ cat "$WORK/keygen-$k.txt" >&2; return 1; }
}

# finish_server NAME STOP DIAGNOSE: the EXIT trap. On failure it says so and
# runs DIAGNOSE (with gohsm's log); it always runs STOP, then removes WORK
# unless KEEP=1 (or KEEP is set to anything but 0 and the run failed), and
# exits with the script's status.
finish_server() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '\n%s example: FAILED (exit %d) after %ds with %s\n' "$1" "$rc" $((SECONDS - START)) "$MODULE" >&2
		$3
		[ -s "$WORK/gohsm.log" ] && { echo "--- gohsm.log (last 40 lines) ---" >&2; tail -n 40 "$WORK/gohsm.log" >&2; }
	fi
	$2
	if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 -a "${KEEP:-0}" != 0 ]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}

# module_copy: sets MOD (the module path the server loads) and EXPECT_HELPER
# (1: gohsm, whose forked processes sign through p11-kit-remote helpers) and
# exports the module's store settings, all inside WORK. gohsm is copied to
# WORK/lib: a rebuild of the original during the run cannot change it, and the
# unprivileged children (and their helpers) can read it. SoftHSMv2 stays where
# it is (it is installed world-readable).
module_copy() {
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
}

# self_signed NAME URI: a self-signed certificate WORK/NAME.crt for the token's
# key at URI, made by openssl through the engine, and WORK/NAME-token.pem, the
# token's public key, checked to be the certificate's.
self_signed() {
	local k=$1 uri=$2
	step "self-signed certificate for the $k key (openssl req through the engine)"
	timeout 60 openssl req -new -x509 -days 2 -subj "/CN=localhost" -sha256 \
		-engine pkcs11 -keyform engine -key "$uri" -out "$WORK/$k.crt" 2>&1 | grep -v '^Engine "pkcs11" set' || true
	[ -s "$WORK/$k.crt" ] || fail "openssl req could not make $k.crt"
	token_pubkey "$k" >"$WORK/$k-token.pem" || fail "cannot read the $k public key from the token"
	diff <(openssl x509 -in "$WORK/$k.crt" -noout -pubkey) "$WORK/$k-token.pem" >/dev/null ||
		fail "$k.crt does not carry the token's public key"
}

# check_served NAME: the server on PORT[NAME] presents the token's public key;
# for rsa, 20 TLS 1.2 handshakes signed with RSA PKCS#1 v1.5 too.
check_served() {
	local k=$1 i
	step "the served $k certificate carries the token's public key"
	served_pubkey "$k" >"$WORK/$k-served.pem" || fail "cannot fetch the served $k certificate"
	diff "$WORK/$k-served.pem" "$WORK/$k-token.pem" >/dev/null || fail "served $k key differs from the token's"
	echo "same public key"
	[ "$k" = rsa ] || return 0
	step "RSA PKCS#1 v1.5 signatures too (TLS 1.2, sigalgs RSA+SHA256)"
	for i in $(seq 1 20); do
		timeout 20 openssl s_client -connect "127.0.0.1:${PORT[$k]}" -tls1_2 -sigalgs RSA+SHA256 \
			-no_ticket </dev/null >"$WORK/s_client.txt" 2>&1 || { tail -5 "$WORK/s_client.txt" >&2; fail "TLS 1.2 RSA+SHA256 handshake $i"; }
	done
	grep -q "Peer signature type: RSA$" "$WORK/s_client.txt" || { grep -i 'signature' "$WORK/s_client.txt" >&2; fail "expected a PKCS#1 v1.5 peer signature"; }
	echo "20 handshakes signed with RSA PKCS#1 v1.5"
}

# tls_handshakes SERVER UNIT PARALLEL URL NAME COUNT [SECS]: at least COUNT new
# TLS handshakes with the server on PORT[NAME], in SECS-second (default SLICE)
# openssl s_time runs, PARALLEL at a time, each bounded by timeout, fetching
# URL; then checks SERVER's access log (WORK/logs/access-NAME.log, client pid
# first, status last) has them all, with 200, and prints how many each UNIT
# (child, worker) answered. Sets LAST_LOGGED to the lines of this batch.
tls_handshakes() {
	local srv=$1 unit=$2 par=$3 url=$4 k=$5 want=$6 slice=${7:-$SLICE} got=0 runs=0 t0=$SECONDS n before j
	local log="$WORK/logs/access-$k.log"
	before=$(wc -l <"$log" 2>/dev/null || echo 0)
	while [ "$got" -lt "$want" ]; do
		runs=$((runs + 1))
		[ $runs -le $((want / 50 + 5)) ] || { echo "too many s_time runs" >&2; return 1; }
		local pids=()
		for j in $(seq 1 "$par"); do
			timeout $((slice + 20)) openssl s_time -connect "127.0.0.1:${PORT[$k]}" -new \
				-time "$slice" -www "$url" >"$WORK/s_time-$j.txt" 2>&1 &
			pids[j]=$!
		done
		for j in $(seq 1 "$par"); do
			if ! wait "${pids[j]}"; then
				grep -v '^\**$' "$WORK/s_time-$j.txt" | tail -n 5 >&2
				echo "s_time against $k failed or hung (timeout $((slice + 20))s) after $got handshakes" >&2
				return 1
			fi
		done
		for j in $(seq 1 "$par"); do
			n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$WORK/s_time-$j.txt" | head -1)
			[ -n "$n" ] && [ "$n" -gt 0 ] || { grep -v '^\**$' "$WORK/s_time-$j.txt" | tail -n 5 >&2; echo "s_time made no connection" >&2; return 1; }
			got=$((got + n))
		done
	done
	local secs=$((SECONDS - t0)) logged i
	# The server logs a request just after answering it: let the last lines land.
	for i in $(seq 1 20); do
		logged=$(($(wc -l <"$log") - before))
		[ "$logged" -ge "$got" ] && break
		sleep 0.1
	done
	printf '%s: %d handshakes in %ds (%d/s), %d logged by %s; per %s:' "$k" "$got" "$secs" \
		$((got / (secs > 0 ? secs : 1))) "$logged" "$srv" "$unit"
	tail -n "$logged" "$log" | awk '{n[$1]++} END {for (p in n) printf " pid %s: %d", p, n[p]; print ""}'
	LAST_LOGGED=$logged
	[ "$logged" -ge "$got" ] || { echo "$srv logged fewer requests than s_time counted" >&2; return 1; }
	if tail -n "$logged" "$log" | awk '$NF != 200 {bad++} END {exit !bad}'; then
		echo "some requests did not get 200" >&2
		return 1
	fi
}

# helpers_exit UNIT VICTIM HELPERS: each of HELPERS (the p11-kit-remote helpers
# of VICTIM, a SIGKILLed UNIT) sees its socket close and exits within 5s.
helpers_exit() {
	local p
	for p in $3; do
		wait_until 5 gone "$p" || fail "helper $p of the killed $1 $2 still runs after 5s"
		echo "the killed $1's helper $p exited"
	done
}
