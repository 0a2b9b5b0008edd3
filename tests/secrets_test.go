package tests

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestSecretsAtRest writes known key bytes, private values and PINs through
// the library with trace logging on, and proves that none of them appears in
// the database, its WAL or shared memory, or the log (DESIGN.md rule 4).
func TestSecretsAtRest(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{LogLevel: "trace"}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	km := newKeyMaterial(t)
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	aesKey, privData, openLabel := random(32), random(48), "label-in-clear-"+hex.EncodeToString(random(4))
	_, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, openLabel),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, aesKey),
	})
	hsmtest.Must(t, err, "C_CreateObject(AES)")
	ec := classTemplates(km, true, "ec-at-rest")["ec-private"]
	ecKey, err := p.CreateObject(s, ec)
	hsmtest.Must(t, err, "C_CreateObject(EC private)")
	_, err = p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "private-data"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, privData),
	})
	hsmtest.Must(t, err, "C_CreateObject(private data)")
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, rk.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(rk.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, rk.D.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, rk.Primes[0].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, rk.Primes[1].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, rk.Precomputed.Dp.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, rk.Precomputed.Dq.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, rk.Precomputed.Qinv.Bytes()),
	})
	hsmtest.Must(t, err, "C_CreateObject(RSA private)")
	// Use the key and change the PIN, so that unsealing, signing and rewrapping are logged too.
	hsmtest.Must(t, p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, ecKey), "C_SignInit")
	_, err = p.Sign(s, make([]byte, 32))
	hsmtest.Must(t, err, "C_Sign")
	const newPIN = "changed-user-pin-9911"
	hsmtest.Must(t, p.SetPIN(s, hsmtest.UserPIN, newPIN), "C_SetPIN")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, newPIN), "login twice", pkcs11.CKR_USER_ALREADY_LOGGED_IN)

	secrets := map[string][]byte{
		"AES key": aesKey, "EC scalar": km.ecScalar, "private data": privData,
		"RSA d": rk.D.Bytes(), "RSA p": rk.Primes[0].Bytes(), "RSA q": rk.Primes[1].Bytes(),
		"RSA dP": rk.Precomputed.Dp.Bytes(), "RSA qInv": rk.Precomputed.Qinv.Bytes(),
		"SO PIN": []byte(hsmtest.SOPIN), "user PIN": []byte(hsmtest.UserPIN), "new user PIN": []byte(newPIN),
	}
	check := func(when string) {
		t.Helper()
		files := []string{hsmtest.LogFile()}
		entries, err := os.ReadDir(hsmtest.StoreDir())
		hsmtest.Must(t, err, "read the store directory")
		var db []byte
		for _, e := range entries {
			files = append(files, filepath.Join(hsmtest.StoreDir(), e.Name()))
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // a -wal or -shm file may go away at a checkpoint
			}
			if filepath.Base(f) == "gohsm.db" || filepath.Base(f) == "gohsm.db-wal" {
				db = append(db, b...)
			}
			for name, v := range secrets {
				for enc, needle := range map[string][]byte{
					"raw": v, "hex": []byte(hex.EncodeToString(v)), "HEX": bytes.ToUpper([]byte(hex.EncodeToString(v))),
					"base64": []byte(base64.StdEncoding.EncodeToString(v)),
				} {
					if bytes.Contains(b, needle) {
						t.Errorf("%s: %s (%s) found in %s", when, name, enc, f)
					}
				}
			}
		}
		// Controls: the files read are the store and a trace log, not empty stand-ins.
		if !bytes.Contains(db, []byte(openLabel)) {
			t.Errorf("%s: the public label is not in gohsm.db or its WAL: wrong files?", when)
		}
	}
	check("while open")
	hsmtest.Must(t, p.Finalize(), "C_Finalize")
	check("after C_Finalize")
	if st, err := os.Stat(hsmtest.LogFile()); err != nil || st.Size() == 0 {
		t.Errorf("trace log %s is empty or missing (%v): nothing was checked there", hsmtest.LogFile(), err)
	}
}
