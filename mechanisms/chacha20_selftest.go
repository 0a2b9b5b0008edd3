package mechanisms

import (
	"fmt"

	"github.com/gohsm/gohsm/ck"
)

// The CKM_CHACHA20 power-up self-test (selftest.go): RFC 8439 section 2.4.2
// through the IETF layout, and an OpenSSL-made vector of the original
// layout whose second block carries into the counter's high word, so that
// both paths of chacha20Stream are checked. Both are records of
// testdata/chacha20.txt (TestChaCha20SelfTestVectors).
func init() { RegisterSelfTest("ChaCha20", katChaCha20) }

const (
	katChaCha20Key   = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	katChaCha20Nonce = "000000000000004a00000000"
	katChaCha20Ctr   = "01000000"
	katChaCha20PT    = "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e"
	katChaCha20CT    = "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d"

	katChaCha20DJBNonce = "0001020304050607"
	katChaCha20DJBCtr   = "ffffffff00000000"
	katChaCha20DJBCT    = "a2b8d04b13877b4a7013cb9031e4b70836e9705a9691bd18f8fca48502eacdcae0b8faaeef6c5dfee436afd8268aa6385dabb2855761127a3946b50d649f9a4b2fcab2c09a960545c6f57e9269ebc22b4ed12782e66dc4cb612536f5cdbed4bcba16af8a92140bf4ded4808af8eee82bd0f18fbb64f073c2a547bc2372528f36"
)

func katChaCha20() error {
	key := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_CHACHA20, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: kh(katChaCha20Key)}}
	for _, v := range []struct {
		name, nonce, ctr, pt, ct string
	}{
		{"ChaCha20 (RFC 8439)", katChaCha20Nonce, katChaCha20Ctr, katChaCha20PT, katChaCha20CT},
		{"ChaCha20 (64-bit counter carry)", katChaCha20DJBNonce, katChaCha20DJBCtr, "", katChaCha20DJBCT},
	} {
		nonce, ctr := kh(v.nonce), kh(v.ctr)
		p := &ck.ChaCha20Params{BlockCounter: ctr, CounterBits: ck.ULong(8 * len(ctr)), Nonce: nonce, NonceBits: ck.ULong(8 * len(nonce))}
		pt := kh(v.pt)
		if v.pt == "" { // the carry vector encrypts zeros: the keystream itself
			pt = make([]byte, len(v.ct)/2)
		}
		c, err := chacha20Init(key, p, true)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		out, err := c.Do(pt)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		if err := katCheck(v.name, out, v.ct); err != nil {
			return err
		}
	}
	return nil
}
