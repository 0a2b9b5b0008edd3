package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var aesModeByName = map[string]ck.MechanismType{"ecb": ck.CKM_AES_ECB, "cbc": ck.CKM_AES_CBC, "cbc-pad": ck.CKM_AES_CBC_PAD}

func aesKey(v []byte) *Key { return secretKey(ck.CKK_AES, v) }

// runCipher feeds in to c in pieces of size chunk (0: single-part), checking
// that every output has the length the *Len methods promised.
func runCipher(t *testing.T, c CipherContext, in []byte, chunk int) ([]byte, error) {
	t.Helper()
	if chunk == 0 {
		bound := c.OutputLen(len(in))
		out, err := c.Do(in)
		if err == nil && len(out) > bound {
			t.Fatalf("Do gave %d bytes, OutputLen said %d", len(out), bound)
		}
		return out, err
	}
	mc := c.(MultipartCipher)
	var out []byte
	for i := 0; i < len(in); i += chunk {
		piece := in[i:min(i+chunk, len(in))]
		want := mc.UpdateLen(len(piece))
		o, err := mc.Update(piece)
		if err != nil {
			return nil, err
		}
		if len(o) != want {
			t.Fatalf("Update gave %d bytes, UpdateLen said %d", len(o), want)
		}
		out = append(out, o...)
	}
	bound := mc.FinalLen()
	o, err := mc.Final()
	if err != nil {
		return nil, err
	}
	if len(o) > bound {
		t.Fatalf("Final gave %d bytes, FinalLen said %d", len(o), bound)
	}
	return append(out, o...), nil
}

// TestAESBlockModeVectors: ciphertexts equal openssl's (testdata/aes.txt),
// and decrypt back, single-part and in pieces of several sizes.
func TestAESBlockModeVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/aes.txt") {
		m := mustLookup(t, aesModeByName[v["Mode"]])
		key, pt, want := aesKey(unhex(t, v["Key"])), unhex(t, v["PT"]), unhex(t, v["CT"])
		var param any
		if v["IV"] != "" {
			param = unhex(t, v["IV"])
		}
		for _, chunk := range []int{0, 1, 7, 16, 17, 1000} {
			e, err := m.(Encrypter).EncryptInit(key, param)
			if err != nil {
				t.Fatal(err)
			}
			ct, err := runCipher(t, e, pt, chunk)
			if err != nil || !bytes.Equal(ct, want) {
				t.Errorf("%s %d bytes chunk %d: encrypt %v, ciphertext equal %v", v["Mode"], len(pt), chunk, err, bytes.Equal(ct, want))
			}
			d, _ := m.(Decrypter).DecryptInit(key, param)
			got, err := runCipher(t, d, want, chunk)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("%s %d bytes chunk %d: decrypt %v", v["Mode"], len(pt), chunk, err)
			}
		}
	}
}

func TestAESBlockModeErrors(t *testing.T) {
	key := aesKey(make([]byte, 16))
	iv := make([]byte, 16)
	_, ecPriv := genECKeys(t, curves[1])
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		key   *Key
		param any
		want  error
	}{
		{"ECB with IV", ck.CKM_AES_ECB, key, iv, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CBC without IV", ck.CKM_AES_CBC, key, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CBC short IV", ck.CKM_AES_CBC, key, iv[:15], ck.CKR_MECHANISM_PARAM_INVALID},
		{"CBC_PAD long IV", ck.CKM_AES_CBC_PAD, key, make([]byte, 17), ck.CKR_MECHANISM_PARAM_INVALID},
		{"generic secret key", ck.CKM_AES_CBC, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 16)), iv, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"EC key", ck.CKM_AES_ECB, ecPriv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"20-byte AES key", ck.CKM_AES_ECB, aesKey(make([]byte, 20)), nil, ck.CKR_KEY_SIZE_RANGE},
	} {
		m := mustLookup(t, tc.typ)
		if _, err := m.(Encrypter).EncryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s encrypt: %v, want %v", tc.name, err, tc.want)
		}
		if _, err := m.(Decrypter).DecryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s decrypt: %v, want %v", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name    string
		typ     ck.MechanismType
		encrypt bool
		in      []byte
		want    error
	}{
		{"ECB 15 bytes", ck.CKM_AES_ECB, true, make([]byte, 15), ck.CKR_DATA_LEN_RANGE},
		{"CBC 17 bytes", ck.CKM_AES_CBC, true, make([]byte, 17), ck.CKR_DATA_LEN_RANGE},
		{"ECB decrypt 15 bytes", ck.CKM_AES_ECB, false, make([]byte, 15), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"CBC_PAD decrypt 17 bytes", ck.CKM_AES_CBC_PAD, false, make([]byte, 17), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"CBC_PAD decrypt nothing", ck.CKM_AES_CBC_PAD, false, nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
	} {
		for _, chunk := range []int{0, 5} {
			m := mustLookup(t, tc.typ)
			param := any(iv)
			if tc.typ == ck.CKM_AES_ECB {
				param = nil
			}
			var c CipherContext
			if tc.encrypt {
				c, _ = m.(Encrypter).EncryptInit(key, param)
			} else {
				c, _ = m.(Decrypter).DecryptInit(key, param)
			}
			if _, err := runCipher(t, c, tc.in, chunk); err != tc.want {
				t.Errorf("%s chunk %d: %v, want %v", tc.name, chunk, err, tc.want)
			}
		}
	}
}

// TestAESCBCPadBadPadding: every wrong padding byte is CKR_ENCRYPTED_DATA_INVALID.
func TestAESCBCPadBadPadding(t *testing.T) {
	key := aesKey(bytes.Repeat([]byte{7}, 32))
	// Make ciphertexts of chosen last plaintext blocks with unpadded CBC.
	for _, last := range [][]byte{
		append(bytes.Repeat([]byte{1}, 15), 0),    // padding 0
		append(bytes.Repeat([]byte{1}, 15), 17),   // padding > block
		append(bytes.Repeat([]byte{1}, 14), 3, 2), // inconsistent
		append(bytes.Repeat([]byte{9}, 12), 1, 4, 4, 4),
	} {
		e, _ := mustLookup(t, ck.CKM_AES_CBC).(Encrypter).EncryptInit(key, make([]byte, 16))
		ct, _ := e.Do(last)
		d, _ := mustLookup(t, ck.CKM_AES_CBC_PAD).(Decrypter).DecryptInit(key, make([]byte, 16))
		if _, err := d.Do(ct); err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("last block %x: %v", last, err)
		}
	}
	good := append(bytes.Repeat([]byte{9}, 12), 4, 4, 4, 4)
	e, _ := mustLookup(t, ck.CKM_AES_CBC).(Encrypter).EncryptInit(key, make([]byte, 16))
	ct, _ := e.Do(good)
	d, _ := mustLookup(t, ck.CKM_AES_CBC_PAD).(Decrypter).DecryptInit(key, make([]byte, 16))
	if pt, err := d.Do(ct); err != nil || !bytes.Equal(pt, good[:12]) {
		t.Errorf("good padding: %x %v", pt, err)
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k}, ck.CKM_AES_ECB)
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return make([]byte, 16) }}, ck.CKM_AES_CBC, ck.CKM_AES_CBC_PAD)
}
