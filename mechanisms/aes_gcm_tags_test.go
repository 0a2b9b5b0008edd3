package mechanisms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// gcmTagShapes are IV and tag lengths (bytes) whose pair Go's GCM does not
// take directly, and two it does, for the short-tag tests.
var gcmTagShapes = []struct{ iv, tag int }{
	{12, 4}, {12, 8}, {1, 4}, {8, 8}, {16, 12}, {60, 13}, {13, 14}, {16, 15}, {60, 16}, {12, 12},
}

// TestAESGCMShortTagTamper: with every IV length and SP 800-38D tag length,
// a message of 0..70 bytes decrypts; any flipped bit of ciphertext or tag,
// a changed AAD or a cut tag is refused with CKR_ENCRYPTED_DATA_INVALID (or
// CKR_ENCRYPTED_DATA_LEN_RANGE when shorter than the tag), C_DecryptUpdate
// releases nothing, and the caller's buffer of C_Decrypt (DoInto) is left
// untouched: no plaintext is released before the tag matches.
func TestAESGCMShortTagTamper(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_GCM)
	key := aesKey(bytes.Repeat([]byte{7}, 24))
	for _, sh := range gcmTagShapes {
		for _, n := range []int{0, 1, 17, 70} {
			p := &ck.GCMParams{IV: bytes.Repeat([]byte{3}, sh.iv), AAD: []byte("aad"), TagBits: ck.ULong(8 * sh.tag)}
			what := fmt.Sprintf("IV %d, tag %d, %d bytes", sh.iv, sh.tag, n)
			pt := bytes.Repeat([]byte{0xa5}, n)
			e, err := m.(Encrypter).EncryptInit(key, p)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			ct, err := e.Do(pt)
			if err != nil || len(ct) != n+sh.tag {
				t.Fatalf("%s: %d bytes, %v", what, len(ct), err)
			}
			// In place, as C_Decrypt with the same buffer for input and output.
			d, _ := m.(Decrypter).DecryptInit(key, p)
			buf := bytes.Clone(ct)
			if k, err := d.(CipherInto).DoInto(buf, buf); err != nil || !bytes.Equal(buf[:k], pt) {
				t.Errorf("%s: in-place decryption: %v", what, err)
			}
			for bit := 0; bit < 8*len(ct); bit++ {
				bad := bytes.Clone(ct)
				bad[bit/8] ^= 1 << (bit % 8)
				gcmRefused(t, m, key, p, bad, what+fmt.Sprintf(", bit %d", bit), ck.CKR_ENCRYPTED_DATA_INVALID)
			}
			other := *p
			other.AAD = []byte("aae")
			gcmRefused(t, m, key, &other, ct, what+", other AAD", ck.CKR_ENCRYPTED_DATA_INVALID)
			want := ck.CKR_ENCRYPTED_DATA_INVALID
			if n == 0 {
				want = ck.CKR_ENCRYPTED_DATA_LEN_RANGE
			}
			gcmRefused(t, m, key, p, ct[:len(ct)-1], what+", tag cut by a byte", want)
		}
	}
}

// gcmRefused decrypts ct single-part into a buffer of its own (DoInto) and
// multipart, and wants err both ways, no byte written and none released.
func gcmRefused(t *testing.T, m Mechanism, key *Key, p *ck.GCMParams, ct []byte, what string, want ck.RV) {
	t.Helper()
	d, _ := m.(Decrypter).DecryptInit(key, p)
	dst := make([]byte, len(ct))
	if k, err := d.(CipherInto).DoInto(dst, ct); err != want || k != 0 || !bytes.Equal(dst, make([]byte, len(ct))) {
		t.Errorf("%s: DoInto %d bytes, %v, buffer written %v; want %v", what, k, err, !bytes.Equal(dst, make([]byte, len(ct))), want)
	}
	d, _ = m.(Decrypter).DecryptInit(key, p)
	mc := d.(MultipartCipher)
	if out, err := mc.Update(ct); err != nil || len(out) != 0 {
		t.Errorf("%s: Update released %d bytes, %v", what, len(out), err)
	}
	if out, err := mc.Final(); err != want || len(out) != 0 {
		t.Errorf("%s: Final %d bytes, %v; want %v", what, len(out), err, want)
	}
}

// TestAESGCMShortTagIsPrefix: the t-byte tag is the first t bytes of the
// 16-byte tag of the same IV, AAD and plaintext (SP 800-38D 7.1), and the
// ciphertext is the same, against Go's own GCM with the IV length.
func TestAESGCMShortTagIsPrefix(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_GCM)
	v := bytes.Repeat([]byte{9}, 32)
	b, _ := aes.NewCipher(v)
	for _, sh := range gcmTagShapes {
		ref, _ := cipher.NewGCMWithNonceSize(b, sh.iv)
		iv, aad, pt := bytes.Repeat([]byte{1}, sh.iv), []byte{2, 3}, bytes.Repeat([]byte{4}, 33)
		want := ref.Seal(nil, iv, pt, aad)
		e, _ := m.(Encrypter).EncryptInit(aesKey(v), &ck.GCMParams{IV: iv, AAD: aad, TagBits: ck.ULong(8 * sh.tag)})
		if got, err := e.Do(pt); err != nil || !bytes.Equal(got, want[:len(pt)+sh.tag]) {
			t.Errorf("IV %d tag %d: %x, %v; want %x", sh.iv, sh.tag, got, err, want[:len(pt)+sh.tag])
		}
	}
}

// TestGCMMessageShortTagVectors: the message-based API (C_EncryptMessage,
// C_DecryptMessage) gives the known answers of every tag length and IV
// length, the tag in the parameter, and refuses a flipped tag bit without
// plaintext.
func TestGCMMessageShortTagVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/aes_gcm_short_tags.txt") {
		key := aesKey(unhex(t, v["Key"]))
		iv, aad, pt, ct, tag := unhex(t, v["IV"]), unhex(t, v["AAD"]), unhex(t, v["PT"]), unhex(t, v["CT"]), unhex(t, v["Tag"])
		what := fmt.Sprintf("IV %d, tag %d", len(iv), len(tag))
		enc, err := aesGCM{}.MessageEncryptInit(key)
		if err != nil {
			t.Fatal(err)
		}
		p := &ck.GCMMessageParams{IV: bytes.Clone(iv), TagBits: ck.ULong(8 * len(tag))}
		got, err := enc.Seal(p, true, aad, pt)
		if err != nil || !bytes.Equal(got, ct) || !bytes.Equal(p.Tag, tag) {
			t.Errorf("%s: seal %x tag %x, %v", what, got, p.Tag, err)
		}
		dec, _ := aesGCM{}.MessageDecryptInit(key)
		p = &ck.GCMMessageParams{IV: iv, TagBits: ck.ULong(8 * len(tag)), Tag: tag}
		if got, err := dec.Open(p, aad, ct); err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%s: open %v", what, err)
		}
		bad := bytes.Clone(tag)
		bad[len(bad)-1] ^= 0x80
		p.Tag = bad
		if got, err := dec.Open(p, aad, ct); err != ck.CKR_ENCRYPTED_DATA_INVALID || got != nil {
			t.Errorf("%s: flipped tag bit: %d bytes, %v", what, len(got), err)
		}
	}
}
