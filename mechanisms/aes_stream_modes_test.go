package mechanisms

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var streamModeByName = map[string]ck.MechanismType{"ctr": ck.CKM_AES_CTR, "ofb": ck.CKM_AES_OFB, "cfb8": ck.CKM_AES_CFB8, "cfb": ck.CKM_AES_CFB128}

func ctrParam(bits int, cb []byte) []byte {
	b := make([]byte, 8, 24)
	binary.NativeEndian.PutUint64(b, uint64(bits))
	return append(b, cb...)
}

// TestAESStreamVectors: CTR, OFB, CFB8 and CFB128 ciphertexts equal to
// openssl enc's (testdata/aes_stream.txt), single-part and in pieces.
func TestAESStreamVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/aes_stream.txt") {
		typ := streamModeByName[v["Mode"]]
		m := mustLookup(t, typ)
		key, iv, pt, want := aesKey(unhex(t, v["Key"])), unhex(t, v["IV"]), unhex(t, v["PT"]), unhex(t, v["CT"])
		params := []any{iv}
		if typ == ck.CKM_AES_CTR {
			params = []any{ctrParam(128, iv), ctrParam(64, iv)}
		}
		for _, p := range params {
			for _, chunk := range []int{0, 1, 7, 16} {
				e, err := m.(Encrypter).EncryptInit(key, p)
				if err != nil {
					t.Fatal(err)
				}
				if ct, err := runCipher(t, e, pt, chunk); err != nil || !bytes.Equal(ct, want) {
					t.Errorf("%s %d bytes chunk %d: %v", v["Mode"], len(pt), chunk, err)
				}
				d, _ := m.(Decrypter).DecryptInit(key, p)
				if got, err := runCipher(t, d, want, chunk); err != nil || !bytes.Equal(got, pt) {
					t.Errorf("%s decrypt chunk %d: %v", v["Mode"], chunk, err)
				}
			}
		}
	}
}

// TestAESCTRCounterBits: the counter may not wrap within its bits.
func TestAESCTRCounterBits(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_CTR)
	key := aesKey(make([]byte, 16))
	cb := bytes.Repeat([]byte{0}, 16)
	cb[15] = 0xfe // two blocks left in an 8-bit counter
	e, _ := m.(Encrypter).EncryptInit(key, ctrParam(8, cb))
	if _, err := e.Do(make([]byte, 32)); err != nil {
		t.Fatalf("two blocks: %v", err)
	}
	e, _ = m.(Encrypter).EncryptInit(key, ctrParam(8, cb))
	if _, err := e.Do(make([]byte, 33)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("wrapping counter: %v", err)
	}
	e, _ = m.(Encrypter).EncryptInit(key, ctrParam(8, cb))
	mc := e.(MultipartCipher)
	mc.Update(make([]byte, 20))
	if _, err := mc.Update(make([]byte, 13)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("wrapping counter across updates: %v", err)
	}
	d, _ := m.(Decrypter).DecryptInit(key, ctrParam(8, cb))
	if _, err := d.Do(make([]byte, 33)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("decrypt wrapping counter: %v", err)
	}
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		param any
	}{
		{"CTR 0 bits", ck.CKM_AES_CTR, ctrParam(0, cb)},
		{"CTR 129 bits", ck.CKM_AES_CTR, ctrParam(129, cb)},
		{"CTR short", ck.CKM_AES_CTR, ctrParam(128, cb)[:20]},
		{"CTR nil", ck.CKM_AES_CTR, nil},
		{"OFB 8-byte IV", ck.CKM_AES_OFB, make([]byte, 8)},
		{"CFB8 no IV", ck.CKM_AES_CFB8, nil},
	} {
		if _, err := mustLookup(t, tc.typ).(Encrypter).EncryptInit(key, tc.param); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return ctrParam(128, make([]byte, 16)) }}, ck.CKM_AES_CTR)
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return make([]byte, 16) }}, ck.CKM_AES_OFB, ck.CKM_AES_CFB8, ck.CKM_AES_CFB128)
}
