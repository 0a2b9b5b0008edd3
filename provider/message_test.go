package provider

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestMessageEncryptState: the state rules of the message-based API. One
// operation per direction; a whole message is refused inside a message in
// parts; a length query and a short buffer use no IV; a failed message
// keeps the operation; CKA_ENCRYPT is needed; logout and Final end it.
func TestMessageEncryptState(t *testing.T) {
	m, _, h := userSession(t)
	key, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES,
		ck.CKA_VALUE, make([]byte, 16), ck.CKA_ENCRYPT, true, ck.CKA_DECRYPT, false))
	must(t, err)
	gcm := ck.Mechanism{Type: ck.CKM_AES_GCM}
	want := func(what string, err, rv error) {
		t.Helper()
		if !errors.Is(err, rv) {
			t.Errorf("%s: %v, want %v", what, err, rv)
		}
	}
	want("decrypt init without CKA_DECRYPT", m.MessageDecryptInit(h, gcm, key), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	want("init with a parameter", m.MessageEncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_GCM, Parameter: []byte{1}}, key), ck.CKR_MECHANISM_PARAM_INVALID)
	want("CBC has no message API", m.MessageEncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_CBC}, key), ck.CKR_MECHANISM_INVALID)
	must(t, m.MessageEncryptInit(h, gcm, key))
	want("second init", m.MessageEncryptInit(h, gcm, key), ck.CKR_OPERATION_ACTIVE)

	param := func() *ck.GCMMessageParams {
		return &ck.GCMMessageParams{IV: make([]byte, 12), IVGenerator: ck.CKG_GENERATE_COUNTER, TagBits: 128}
	}
	p := param()
	n, err := m.EncryptMessage(h, p, nil, []byte("12345"), nil)
	if err != nil || n != 5 || !bytes.Equal(p.IV, make([]byte, 12)) {
		t.Errorf("length query: %d %v, IV %x", n, err, p.IV)
	}
	n, err = m.EncryptMessage(h, p, nil, []byte("12345"), make([]byte, 4))
	if !errors.Is(err, ck.CKR_BUFFER_TOO_SMALL) || n != 5 || !bytes.Equal(p.IV, make([]byte, 12)) {
		t.Errorf("short buffer: %d %v, IV %x", n, err, p.IV)
	}
	_, err = m.EncryptMessage(h, &ck.GCMMessageParams{IV: make([]byte, 12), TagBits: 72}, nil, []byte("x"), make([]byte, 1)) // not an SP 800-38D tag length
	want("a 72-bit tag", err, ck.CKR_MECHANISM_PARAM_INVALID)
	if _, err := m.EncryptMessage(h, p, nil, []byte("12345"), make([]byte, 5)); err != nil || len(p.Tag) != 16 {
		t.Errorf("after a failed message the operation goes on: %v, tag %x", err, p.Tag)
	}
	q := param()
	must(t, m.EncryptMessageBegin(h, q, []byte("aad")))
	if bytes.Equal(q.IV, p.IV) {
		t.Errorf("Begin reused IV %x", q.IV)
	}
	_, err = m.EncryptMessage(h, param(), nil, []byte("x"), make([]byte, 1))
	want("a whole message inside Begin/Next", err, ck.CKR_OPERATION_ACTIVE)
	want("Next with an unknown flag", func() error { _, err := m.EncryptMessageNext(h, q, nil, []byte{}, 2); return err }(), ck.CKR_ARGUMENTS_BAD)
	must(t, m.Logout(h))
	_, err = m.EncryptMessageNext(h, q, []byte("x"), make([]byte, 1), ck.CKF_END_OF_MESSAGE)
	want("after logout", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	must(t, m.MessageEncryptInit(h, gcm, key))
	must(t, m.MessageEncryptFinal(h))
	want("after Final", m.MessageEncryptFinal(h), ck.CKR_OPERATION_NOT_INITIALIZED)
}
