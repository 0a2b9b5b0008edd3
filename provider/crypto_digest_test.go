package provider

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

var sha256Mech = ck.Mechanism{Type: ck.CKM_SHA256}

// mechByName finds a registered mechanism by its CKM_ name.
func mechByName(t *testing.T, name string) ck.MechanismType {
	t.Helper()
	for _, mt := range mechanisms.Types() {
		if mt.String() == name {
			return mt
		}
	}
	t.Fatalf("mechanism %s is not registered", name)
	return 0
}

type digestKAT struct {
	mech      ck.MechanismType
	msg, want []byte
}

func loadDigestKATs(t *testing.T) []digestKAT {
	f, err := os.Open("testdata/digest_kat.txt")
	must(t, err)
	defer f.Close()
	var kats []digestKAT
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad line %q", line)
		}
		var msg []byte
		if fs[1] != "-" {
			msg, err = hex.DecodeString(fs[1])
			must(t, err)
		}
		want, err := hex.DecodeString(fs[2])
		must(t, err)
		kats = append(kats, digestKAT{mechByName(t, fs[0]), msg, want})
	}
	must(t, sc.Err())
	if len(kats) == 0 {
		t.Fatal("no digest vectors")
	}
	return kats
}

// TestDigestKnownAnswers checks every vector single-part, multi-part (one
// byte at a time) and with a length query first.
func TestDigestKnownAnswers(t *testing.T) {
	m, h := publicSession(t)
	for _, v := range loadDigestKATs(t) {
		mech := ck.Mechanism{Type: v.mech}
		must(t, m.DigestInit(h, mech))
		n, err := m.Digest(h, v.msg, nil)
		if err != nil || n != len(v.want) {
			t.Fatalf("%v length query: %d %v", v.mech, n, err)
		}
		out := make([]byte, n)
		n, err = m.Digest(h, v.msg, out)
		if err != nil || !bytes.Equal(out[:n], v.want) {
			t.Fatalf("%v single-part: %x %v, want %x", v.mech, out[:n], err, v.want)
		}

		must(t, m.DigestInit(h, mech))
		for i := range v.msg {
			must(t, m.DigestUpdate(h, v.msg[i:i+1]))
		}
		out = make([]byte, 64)
		n, err = m.DigestFinal(h, out)
		if err != nil || !bytes.Equal(out[:n], v.want) {
			t.Fatalf("%v multi-part: %x %v, want %x", v.mech, out[:n], err, v.want)
		}
	}
}

func TestDigestOperationRules(t *testing.T) {
	abc := []byte("abc")
	want := sha256.Sum256(abc)
	m, h := publicSession(t)

	// Calls without C_DigestInit.
	_, err := m.Digest(h, abc, make([]byte, 32))
	wantRV(t, "Digest without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "DigestUpdate without init", m.DigestUpdate(h, abc), ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "DigestKey without init", m.DigestKey(h, 1), ck.CKR_OPERATION_NOT_INITIALIZED)
	_, err = m.DigestFinal(h, make([]byte, 32))
	wantRV(t, "DigestFinal without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// Mechanisms.
	wantRV(t, "unknown mechanism", m.DigestInit(h, ck.Mechanism{Type: ckmFakeUnregister}), ck.CKR_MECHANISM_INVALID)
	wantRV(t, "mechanism that does not digest", m.DigestInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}), ck.CKR_MECHANISM_INVALID)
	wantRV(t, "parameter for SHA-256", m.DigestInit(h, ck.Mechanism{Type: ck.CKM_SHA256, Parameter: []byte{1}}), ck.CKR_MECHANISM_PARAM_INVALID)
	if isActive(t, m, h, opDigest) {
		t.Fatal("a failed C_DigestInit left an operation")
	}

	// Already active.
	must(t, m.DigestInit(h, sha256Mech))
	wantRV(t, "second DigestInit", m.DigestInit(h, sha256Mech), ck.CKR_OPERATION_ACTIVE)

	// Short buffer and length query keep the operation; the result is right.
	n, err := m.Digest(h, abc, make([]byte, 31))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	if n != 32 {
		t.Fatalf("short buffer: needed %d, want 32", n)
	}
	if n, err = m.Digest(h, abc, nil); err != nil || n != 32 {
		t.Fatalf("length query: %d %v", n, err)
	}
	out := make([]byte, 40)
	n, err = m.Digest(h, abc, out)
	if err != nil || n != 32 || !bytes.Equal(out[:n], want[:]) {
		t.Fatalf("Digest: %x %v", out[:n], err)
	}
	// Success ended it.
	wantRV(t, "update after Digest", m.DigestUpdate(h, abc), ck.CKR_OPERATION_NOT_INITIALIZED)

	// A single-part call after an update is refused and ends the operation.
	must(t, m.DigestInit(h, sha256Mech))
	must(t, m.DigestUpdate(h, abc))
	_, err = m.Digest(h, abc, out)
	wantRV(t, "Digest after DigestUpdate", err, ck.CKR_OPERATION_ACTIVE)
	_, err = m.DigestFinal(h, out)
	wantRV(t, "DigestFinal after the refused Digest", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// DigestFinal: short buffer keeps it, the retry is right, then it is over.
	must(t, m.DigestInit(h, sha256Mech))
	must(t, m.DigestUpdate(h, abc))
	_, err = m.DigestFinal(h, make([]byte, 0))
	wantRV(t, "DigestFinal short", err, ck.CKR_BUFFER_TOO_SMALL)
	n, err = m.DigestFinal(h, out)
	if err != nil || !bytes.Equal(out[:n], want[:]) {
		t.Fatalf("DigestFinal: %x %v", out[:n], err)
	}
	_, err = m.DigestFinal(h, out)
	wantRV(t, "second DigestFinal", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// C_SessionCancel ends it (and C_DigestInit(NULL) goes the same way).
	must(t, m.DigestInit(h, sha256Mech))
	must(t, m.SessionCancel(h, ck.CKF_SIGN))
	if !isActive(t, m, h, opDigest) {
		t.Fatal("cancelling CKF_SIGN ended the digest")
	}
	must(t, m.SessionCancel(h, ck.CKF_DIGEST))
	wantRV(t, "update after cancel", m.DigestUpdate(h, abc), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.DigestInit(h, sha256Mech))

	// Session handles.
	wantRV(t, "bad session", m.DigestInit(h+1000, sha256Mech), ck.CKR_SESSION_HANDLE_INVALID)
	must(t, m.CloseSession(h))
	wantRV(t, "closed session", m.DigestUpdate(h, abc), ck.CKR_SESSION_HANDLE_INVALID)
}
