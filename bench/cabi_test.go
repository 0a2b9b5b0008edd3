package bench

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
)

// TestHarnesses runs a row of each kind of timed call (sign, verify, GCM
// encrypt, digest, random, floor) through both harnesses against
// libgohsm.so: every cell must have a number.
func TestHarnesses(t *testing.T) {
	lib := libPath(t)
	for _, h := range []string{"c", "miekg"} {
		cfg := QuickConfig()
		cfg.Modules = []Module{{Name: "gohsm", Path: lib}}
		cfg.Rows = "p256-sign-ecdsa,p256-verify-ecdsa,aes256-gcm-enc-1k,aes256-cbcpad,sha256-1k,hmac-sha256-1k,random-32,floor-getinfo"
		cfg.Rounds, cfg.Slice, cfg.Sessions, cfg.Harness = 1, 5*time.Millisecond, []int{1}, h
		cfg.WorkDir = t.TempDir()
		rep, err := Run(cfg, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 10 {
			t.Fatalf("%s: want 10 rows, got %d", h, len(rep.Results))
		}
		for _, r := range rep.Results {
			for _, c := range r.Cells {
				if c.Column == "gohsm" && (c.NA != "" || c.OpsPerSec <= 0) {
					t.Errorf("%s: %s: no number: %+v", h, r.ID, c)
				}
			}
		}
	}
}

// TestDirectOpError: a module's error code comes back as a pkcs11.Error
// (the row then says n/a with the code), not as success.
func TestDirectOpError(t *testing.T) {
	dir := t.TempDir()
	tg, err := Open(Module{Name: "gohsm", Path: libPath(t)}, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	op := directOp(tg, cCall{op: cSign, mech: pkcs11.CKM_SHA256_HMAC, key: 0xdead, in: []byte("x"), outLen: 32})
	var rv pkcs11.Error
	if err := op.Run(tg.Session()); !errors.As(err, &rv) || rv != pkcs11.CKR_KEY_HANDLE_INVALID {
		t.Fatalf("sign with a bad key handle: %v, want CKR_KEY_HANDLE_INVALID", err)
	}
}
