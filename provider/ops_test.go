package provider

// Unit tests of the operation state (ops.go): which kinds may be active
// together, the output convention of produce, context authorisation and
// cancellation.

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestCanStartPairs(t *testing.T) {
	tests := []struct {
		active []opKind
		start  opKind
		want   ck.RV
	}{
		{nil, opSign, 0},
		{[]opKind{opSign}, opSign, ck.CKR_OPERATION_ACTIVE},
		{[]opKind{opDigest}, opEncrypt, 0},
		{[]opKind{opEncrypt}, opDigest, 0},
		{[]opKind{opDecrypt}, opDigest, 0},
		{[]opKind{opSign}, opEncrypt, 0},
		{[]opKind{opDecrypt}, opVerify, 0},
		{[]opKind{opSign}, opVerify, ck.CKR_OPERATION_ACTIVE},
		{[]opKind{opEncrypt}, opDecrypt, ck.CKR_OPERATION_ACTIVE},
		{[]opKind{opDigest}, opSign, ck.CKR_OPERATION_ACTIVE},
		{[]opKind{opVerifyRecover}, opDigest, ck.CKR_OPERATION_ACTIVE},
		{[]opKind{opDigest, opEncrypt}, opSign, ck.CKR_OPERATION_ACTIVE},
	}
	for _, tc := range tests {
		var o sessionOps
		for _, k := range tc.active {
			o.active[k] = &operation{}
		}
		wantRV(t, "canStart", o.canStart(tc.start), tc.want)
	}
}

func TestProduceConvention(t *testing.T) {
	calls := 0
	compute := func() ([]byte, error) { calls++; return []byte("0123456789"), nil }
	op := &operation{}

	// Length query: the bound, nothing computed.
	n, done, err := op.produce(callSingle, []byte("in"), nil, 26, compute)
	if err != nil || done || n != 26 || calls != 0 {
		t.Fatalf("length query: n=%d done=%v err=%v calls=%d", n, done, err, calls)
	}
	// Short buffer: computed once, exact length reported, output kept.
	n, done, err = op.produce(callSingle, []byte("in"), make([]byte, 4), 26, compute)
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	if n != 10 || done || calls != 1 {
		t.Fatalf("short: n=%d done=%v calls=%d", n, done, calls)
	}
	// A length query now reports the exact length.
	if n, _, err = op.produce(callSingle, []byte("in"), nil, 26, compute); err != nil || n != 10 {
		t.Fatalf("second length query: %d %v", n, err)
	}
	// The retry with a buffer of the exact size (below the bound) gets the same bytes.
	out := make([]byte, 10)
	n, done, err = op.produce(callSingle, []byte("in"), out, 26, compute)
	if err != nil || !done || n != 10 || calls != 1 || string(out) != "0123456789" {
		t.Fatalf("retry: n=%d done=%v err=%v calls=%d out=%q", n, done, err, calls, out)
	}
	// A different input after a short buffer cannot be served.
	op.produce(callSingle, []byte("in"), make([]byte, 1), 26, compute)
	_, _, err = op.produce(callSingle, []byte("other"), make([]byte, 64), 26, compute)
	wantRV(t, "changed input", err, ck.CKR_ARGUMENTS_BAD)
	// After a single-part call, a length query too, Update and Final are refused.
	for _, call := range []callKind{callUpdate, callFinal} {
		_, _, err = (&operation{single: true}).produce(call, nil, nil, 26, compute)
		wantRV(t, "Update/Final after a single-part call", err, ck.CKR_OPERATION_ACTIVE)
	}
	// Nor a different multi-part call.
	op = &operation{}
	op.produce(callUpdate, []byte("in"), make([]byte, 1), 26, compute)
	_, _, err = op.produce(callFinal, nil, make([]byte, 64), 26, compute)
	wantRV(t, "changed call", err, ck.CKR_ARGUMENTS_BAD)
}

func TestAuthorizeContext(t *testing.T) {
	var o sessionOps
	wantRV(t, "no operation", o.authorizeContext(), ck.CKR_OPERATION_NOT_INITIALIZED)
	o.active[opDigest] = &operation{}
	wantRV(t, "operation without always-authenticate", o.authorizeContext(), ck.CKR_OPERATION_NOT_INITIALIZED)
	o.active[opSign] = &operation{needAuth: true}
	if _, err := o.use(opSign, true); err != ck.CKR_USER_NOT_LOGGED_IN {
		t.Fatalf("use without context login: %v", err)
	}
	if o.active[opSign] != nil {
		t.Fatal("CKR_USER_NOT_LOGGED_IN did not end the operation")
	}
	o.active[opSign] = &operation{needAuth: true}
	must(t, o.authorizeContext())
	if _, err := o.use(opSign, true); err != nil {
		t.Fatalf("use after context login: %v", err)
	}
}

func TestCancelOps(t *testing.T) {
	s := &Session{}
	for k := opKind(0); k < numOpKinds; k++ {
		s.ops.active[k] = &operation{}
	}
	s.cancelOps(ck.CKF_SIGN | ck.CKF_DIGEST | ck.CKF_FIND_OBJECTS | ck.CKF_MESSAGE_SIGN)
	for k := opKind(0); k < numOpKinds; k++ {
		gone := s.ops.active[k] == nil
		if want := k == opSign || k == opDigest; gone != want {
			t.Errorf("kind %d: ended=%v, want %v", k, gone, want)
		}
	}
	s.cancelOps(allOps)
	for k := opKind(0); k < numOpKinds; k++ {
		if s.ops.active[k] != nil {
			t.Errorf("kind %d survived cancelling all", k)
		}
	}
}
