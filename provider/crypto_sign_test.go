package provider

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestSignOperationRules(t *testing.T) {
	m, h := publicSession(t)
	data := []byte("data")

	// Not initialised.
	_, err := m.Sign(h, data, make([]byte, 8))
	wantRV(t, "Sign", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "SignUpdate", m.SignUpdate(h, data), ck.CKR_OPERATION_NOT_INITIALIZED)
	_, err = m.SignFinal(h, make([]byte, 8))
	wantRV(t, "SignFinal", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	_, err = m.SignRecover(h, data, make([]byte, 8))
	wantRV(t, "SignRecover", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// Mechanism checks come before the key.
	for _, tc := range []struct {
		name string
		init func(ck.Mechanism) error
	}{
		{"SignInit", func(mc ck.Mechanism) error { return m.SignInit(h, mc, 12345) }},
		{"VerifyInit", func(mc ck.Mechanism) error { return m.VerifyInit(h, mc, 12345) }},
		{"EncryptInit", func(mc ck.Mechanism) error { return m.EncryptInit(h, mc, 12345) }},
		{"DecryptInit", func(mc ck.Mechanism) error { return m.DecryptInit(h, mc, 12345) }},
		{"SignRecoverInit", func(mc ck.Mechanism) error { return m.SignRecoverInit(h, mc, 12345) }},
		{"VerifyRecoverInit", func(mc ck.Mechanism) error { return m.VerifyRecoverInit(h, mc, 12345) }},
	} {
		wantRV(t, tc.name+" unknown", tc.init(ck.Mechanism{Type: ckmFakeUnregister}), ck.CKR_MECHANISM_INVALID)
		wantRV(t, tc.name+" digest-only", tc.init(sha256Mech), ck.CKR_MECHANISM_INVALID)
	}

	// Length query computes nothing; a short buffer computes once and the
	// retry returns that very signature.
	f := &fakeSigner{}
	installOp(t, m, h, opSign, &operation{sign: f})
	wantRV(t, "SignInit while active", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, 12345), ck.CKR_OPERATION_ACTIVE)
	n, err := m.Sign(h, data, nil)
	if err != nil || n != 8 || f.calls != 0 {
		t.Fatalf("length query: %d %v calls=%d", n, err, f.calls)
	}
	n, err = m.Sign(h, data, make([]byte, 7))
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	if n != 8 || f.calls != 1 {
		t.Fatalf("short: %d calls=%d", n, f.calls)
	}
	out := make([]byte, 8)
	n, err = m.Sign(h, data, out)
	if err != nil || n != 8 || f.calls != 1 || !bytes.Equal(out, bytes.Repeat([]byte{1}, 8)) {
		t.Fatalf("retry: %x %v calls=%d", out, err, f.calls)
	}
	if isActive(t, m, h, opSign) {
		t.Fatal("C_Sign success left the operation active")
	}

	// A single-part-only mechanism refuses parts, which ends the operation.
	installOp(t, m, h, opSign, &operation{sign: &fakeSigner{}})
	wantRV(t, "SignUpdate single-part mechanism", m.SignUpdate(h, data), ck.CKR_FUNCTION_NOT_SUPPORTED)
	if isActive(t, m, h, opSign) {
		t.Fatal("error left the operation active")
	}
	installOp(t, m, h, opSign, &operation{sign: &fakeSigner{}})
	_, err = m.SignFinal(h, out)
	wantRV(t, "SignFinal single-part mechanism", err, ck.CKR_FUNCTION_NOT_SUPPORTED)

	// Multi-part: C_Sign after an update is refused and ends the operation.
	installOp(t, m, h, opSign, &operation{sign: &fakeMultiSigner{}})
	must(t, m.SignUpdate(h, data))
	_, err = m.Sign(h, data, out)
	wantRV(t, "Sign after SignUpdate", err, ck.CKR_OPERATION_ACTIVE)
	wantRV(t, "SignUpdate after refused Sign", m.SignUpdate(h, data), ck.CKR_OPERATION_NOT_INITIALIZED)

	// Multi-part final with a short buffer then the retry.
	fm := &fakeMultiSigner{}
	installOp(t, m, h, opSign, &operation{sign: fm})
	must(t, m.SignUpdate(h, data))
	must(t, m.SignUpdate(h, data))
	_, err = m.SignFinal(h, out[:2])
	wantRV(t, "SignFinal short", err, ck.CKR_BUFFER_TOO_SMALL)
	wantRV(t, "SignUpdate while a signature waits", m.SignUpdate(h, data), ck.CKR_OPERATION_ACTIVE)
	installOp(t, m, h, opSign, &operation{sign: fm})
	must(t, m.SignUpdate(h, data))
	_, err = m.SignFinal(h, out[:2])
	wantRV(t, "SignFinal short", err, ck.CKR_BUFFER_TOO_SMALL)
	n, err = m.SignFinal(h, out)
	if err != nil || n != 8 || string(fm.buf) != "datadatadata" {
		t.Fatalf("SignFinal: %d %v buf=%q", n, err, fm.buf)
	}

	// SignRecover is single-part like Sign.
	installOp(t, m, h, opSignRecover, &operation{sign: &fakeSigner{}})
	if n, err = m.SignRecover(h, data, out); err != nil || n != 8 {
		t.Fatalf("SignRecover: %d %v", n, err)
	}
}

func TestAlwaysAuthenticate(t *testing.T) {
	m, _, h := userSession(t)
	data := []byte("data")
	out := make([]byte, 8)

	// Without a context login a length query is fine (the key is not
	// used), but the use fails and ends the operation.
	installOp(t, m, h, opSign, &operation{sign: &fakeSigner{}, needAuth: true})
	if n, err := m.Sign(h, data, nil); err != nil || n != 8 {
		t.Fatalf("length query before context login: %d %v", n, err)
	}
	_, err := m.Sign(h, data, out)
	wantRV(t, "Sign without context login", err, ck.CKR_USER_NOT_LOGGED_IN)
	if isActive(t, m, h, opSign) {
		t.Fatal("operation survived CKR_USER_NOT_LOGGED_IN")
	}

	// With it, the whole operation (updates and final) may run.
	wantRV(t, "context login without operation", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(testUserPIN)), ck.CKR_OPERATION_NOT_INITIALIZED)
	installOp(t, m, h, opSign, &operation{sign: &fakeMultiSigner{}, needAuth: true})
	wantRV(t, "context login with a wrong PIN", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(testUserPIN)))
	must(t, m.SignUpdate(h, data))
	if _, err := m.SignFinal(h, nil); err != nil {
		t.Fatalf("length query: %v", err)
	}
	if _, err := m.SignFinal(h, out); err != nil {
		t.Fatalf("SignFinal: %v", err)
	}

	// The next operation needs its own.
	installOp(t, m, h, opSign, &operation{sign: &fakeSigner{}, needAuth: true})
	_, err = m.Sign(h, data, out)
	wantRV(t, "second operation without context login", err, ck.CKR_USER_NOT_LOGGED_IN)

	// Logout ends every operation.
	installOp(t, m, h, opDigest, &operation{digest: nil})
	must(t, m.Logout(h))
	if isActive(t, m, h, opDigest) {
		t.Fatal("operation survived C_Logout")
	}
}

func TestVerifyOperationRules(t *testing.T) {
	m, h := publicSession(t)
	data := []byte("data")
	sig := reversed(data)

	wantRV(t, "Verify without init", m.Verify(h, data, sig), ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "VerifyUpdate without init", m.VerifyUpdate(h, data), ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "VerifyFinal without init", m.VerifyFinal(h, sig), ck.CKR_OPERATION_NOT_INITIALIZED)

	tests := []struct {
		name string
		run  func() error
		want ck.RV
	}{
		{"valid", func() error { return m.Verify(h, data, sig) }, 0},
		{"invalid", func() error { return m.Verify(h, data, data) }, ck.CKR_SIGNATURE_INVALID},
		{"wrong length", func() error { return m.Verify(h, data, sig[:2]) }, ck.CKR_SIGNATURE_LEN_RANGE},
		{"multi-part valid", func() error {
			must(t, m.VerifyUpdate(h, data[:1]))
			must(t, m.VerifyUpdate(h, data[1:]))
			return m.VerifyFinal(h, sig)
		}, 0},
		{"multi-part invalid", func() error {
			must(t, m.VerifyUpdate(h, data))
			return m.VerifyFinal(h, data)
		}, ck.CKR_SIGNATURE_INVALID},
		{"single after update", func() error {
			must(t, m.VerifyUpdate(h, data))
			return m.Verify(h, data, sig)
		}, ck.CKR_OPERATION_ACTIVE},
	}
	for _, tc := range tests {
		installOp(t, m, h, opVerify, &operation{verify: &fakeVerifier{}})
		wantRV(t, tc.name, tc.run(), tc.want)
		if isActive(t, m, h, opVerify) {
			t.Fatalf("%s: verification still active", tc.name)
		}
	}
}

func TestVerifyRecover(t *testing.T) {
	m, h := publicSession(t)
	sig := []byte{9, 8, 7}
	installOp(t, m, h, opVerifyRecover, &operation{recover: fakeRecover{}})
	n, err := m.VerifyRecover(h, sig, nil)
	if err != nil || n != 3 {
		t.Fatalf("length query: %d %v", n, err)
	}
	_, err = m.VerifyRecover(h, sig, make([]byte, 1))
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	out := make([]byte, 3)
	if n, err = m.VerifyRecover(h, sig, out); err != nil || !bytes.Equal(out[:n], []byte{7, 8, 9}) {
		t.Fatalf("VerifyRecover: %v %v", out[:n], err)
	}
	// An invalid signature wins over a short buffer (§5.12) and ends it.
	installOp(t, m, h, opVerifyRecover, &operation{recover: fakeRecover{}})
	_, err = m.VerifyRecover(h, []byte{0, 1, 2}, make([]byte, 1))
	wantRV(t, "invalid with short buffer", err, ck.CKR_SIGNATURE_INVALID)
	if isActive(t, m, h, opVerifyRecover) {
		t.Fatal("still active")
	}
}
