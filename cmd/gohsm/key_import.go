package main

// key_import.go: `gohsm key import`, PEM keys (PKCS#8, PKCS#1, SEC 1,
// SubjectPublicKeyInfo) and raw AES keys brought into the token.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// maxKeyFile bounds what import reads.
const maxKeyFile = 1 << 20

var errEncryptedPEM = errors.New("the PEM key is encrypted; gohsm does not take passphrases: decrypt it first " +
	"(openssl pkey -in enc.pem -out plain.pem), import plain.pem, then shred it")

// importObj is one object to create, and how to name it to people.
type importObj struct {
	what string
	tmpl ck.Template
}

func newKeyImportCmd(a *app) *cobra.Command {
	var (
		sel           tokenSelector
		cu            cuLogin
		attrs         keyAttrs
		file          string
		rawAES, allow bool
	)
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a PEM private or public key, or a raw AES key",
		Long: `Import a key made outside the token, owned by the logged-in Crypto User.
--file is PEM: "PRIVATE KEY" (PKCS#8: RSA, EC P-256/P-384/P-521 or Ed25519),
"RSA PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY" or "RSA PUBLIC KEY"; or, with
--aes, the raw 16, 24 or 32 bytes of an AES key. A private key also gets its
public key object, under the same label and ID. Encrypted PEM is refused:
decrypt it first.

A key that existed outside the token is not "never extractable": importing a
private or secret key needs --extractable (the token may wrap it out again) or
--allow-import (it is stored non-extractable from now on; the original copy
is yours to destroy).`,
		Example: `  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem
  GOHSM_USER_PIN=alice-pass gohsm key import --user alice --file ec.pem --key-label imported --allow-import
  gohsm key import --user alice --file rsa.pub.pem --key-label partner
  head -c 32 /dev/urandom > aes.bin && gohsm key import --user alice --aes --file aes.bin --key-label k --extractable`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			common, err := attrs.common(cmd)
			if err != nil {
				return err
			}
			if file == "" {
				return usagef("--file is required")
			}
			data, err := readKeyFile(file)
			if err != nil {
				return err
			}
			var objs []importObj
			if rawAES {
				objs, err = aesImport(data)
			} else {
				objs, err = pemImport(data)
			}
			if err != nil {
				return err
			}
			secret := false
			for i := range objs {
				c, _, _ := objs[i].tmpl.ULong(ck.CKA_CLASS)
				if ck.ObjectClass(c) != ck.CKO_PUBLIC_KEY {
					secret = true
					objs[i].tmpl = append(objs[i].tmpl, attrs.secretAttrs()...)
				}
				objs[i].tmpl = append(append(ck.Template{}, common...), objs[i].tmpl...)
			}
			if secret && !attrs.extractable && !allow {
				return fmt.Errorf("%s: importing a private or secret key needs --extractable or --allow-import (see 'gohsm key import --help')", objs[0].what)
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				var ids []string
				for _, o := range objs {
					oh, err := m.CreateObject(h, o.tmpl)
					if err != nil {
						return fmt.Errorf("key import %s: %w", o.what, err)
					}
					ids = append(ids, o.what+" "+uniqueID(m, h, oh))
				}
				mode := ""
				if secret {
					mode = " (non-extractable)"
					if attrs.extractable {
						mode = " (extractable)"
					}
				}
				fmt.Fprintf(a.stdout, "Imported %q%s: %s.\n", attrs.label, mode, strings.Join(ids, ", "))
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	attrs.addFlags(cmd, "key")
	f := cmd.Flags()
	f.StringVar(&file, "file", "", "the PEM file, or the raw key with --aes (required)")
	f.BoolVar(&rawAES, "aes", false, "the file holds the raw bytes of an AES key")
	f.BoolVar(&allow, "allow-import", false, "import a private or secret key and store it non-extractable")
	return cmd
}

func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxKeyFile {
		return nil, fmt.Errorf("%s: %d bytes is too large for a key file", path, st.Size())
	}
	return os.ReadFile(path)
}

func aesImport(b []byte) ([]importObj, error) {
	if len(b) != 16 && len(b) != 24 && len(b) != 32 {
		return nil, fmt.Errorf("an AES key file holds 16, 24 or 32 raw bytes; this one has %d", len(b))
	}
	return []importObj{{fmt.Sprintf("AES-%d key", len(b)*8), ck.Template{
		{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(ck.CKO_SECRET_KEY))},
		{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(ck.CKK_AES))},
		{Type: ck.CKA_VALUE, Value: b},
		boolAttr(ck.CKA_ENCRYPT, true), boolAttr(ck.CKA_DECRYPT, true),
		boolAttr(ck.CKA_WRAP, true), boolAttr(ck.CKA_UNWRAP, true),
	}}}, nil
}

// pemImport reads the first key block of a PEM file (EC PARAMETERS blocks,
// as openssl ecparam -genkey writes, are skipped).
func pemImport(data []byte) ([]importObj, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM key found in the file (for a raw AES key, add --aes)")
		}
		if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errEncryptedPEM
		}
		var key any
		var err error
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		default:
			return nil, fmt.Errorf("PEM block %q is not a key gohsm imports", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", block.Type, err)
		}
		return keyObjects(key)
	}
}

func classAttr(c ck.ObjectClass, kt ck.KeyType) ck.Template {
	return ck.Template{
		{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(c))},
		{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(kt))},
	}
}

func bigBytes(n *big.Int) []byte { return n.Bytes() }

// keyObjects turns a parsed key into the objects to create.
func keyObjects(key any) ([]importObj, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return nil, errors.New("multi-prime RSA keys are not supported")
		}
		k.Precompute()
		bits := k.N.BitLen()
		priv := append(classAttr(ck.CKO_PRIVATE_KEY, ck.CKK_RSA),
			ck.Attribute{Type: ck.CKA_MODULUS, Value: bigBytes(k.N)},
			ck.Attribute{Type: ck.CKA_PUBLIC_EXPONENT, Value: big.NewInt(int64(k.E)).Bytes()},
			ck.Attribute{Type: ck.CKA_PRIVATE_EXPONENT, Value: bigBytes(k.D)},
			ck.Attribute{Type: ck.CKA_PRIME_1, Value: bigBytes(k.Primes[0])},
			ck.Attribute{Type: ck.CKA_PRIME_2, Value: bigBytes(k.Primes[1])},
			ck.Attribute{Type: ck.CKA_EXPONENT_1, Value: bigBytes(k.Precomputed.Dp)},
			ck.Attribute{Type: ck.CKA_EXPONENT_2, Value: bigBytes(k.Precomputed.Dq)},
			ck.Attribute{Type: ck.CKA_COEFFICIENT, Value: bigBytes(k.Precomputed.Qinv)},
			boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_DECRYPT, true))
		pub, _ := keyObjects(&k.PublicKey)
		return append([]importObj{{fmt.Sprintf("RSA-%d private key", bits), priv}}, pub...), nil
	case *rsa.PublicKey:
		return []importObj{{fmt.Sprintf("RSA-%d public key", k.N.BitLen()), append(classAttr(ck.CKO_PUBLIC_KEY, ck.CKK_RSA),
			ck.Attribute{Type: ck.CKA_MODULUS, Value: bigBytes(k.N)},
			ck.Attribute{Type: ck.CKA_PUBLIC_EXPONENT, Value: big.NewInt(int64(k.E)).Bytes()},
			boolAttr(ck.CKA_VERIFY, true), boolAttr(ck.CKA_ENCRYPT, true))}}, nil
	case *ecdsa.PrivateKey:
		params, err := ecParams(k.Curve.Params().Name)
		if err != nil {
			return nil, err
		}
		ek, err := k.ECDH()
		if err != nil {
			return nil, fmt.Errorf("EC private key: %w", err)
		}
		priv := append(classAttr(ck.CKO_PRIVATE_KEY, ck.CKK_EC),
			ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: params},
			ck.Attribute{Type: ck.CKA_VALUE, Value: ek.Bytes()},
			boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_DERIVE, true))
		pub, err := keyObjects(&k.PublicKey)
		if err != nil {
			return nil, err
		}
		return append([]importObj{{"EC " + k.Curve.Params().Name + " private key", priv}}, pub...), nil
	case *ecdsa.PublicKey:
		params, err := ecParams(k.Curve.Params().Name)
		if err != nil {
			return nil, err
		}
		ek, err := k.ECDH()
		if err != nil {
			return nil, fmt.Errorf("EC public key: %w", err)
		}
		point, _ := asn1.Marshal(ek.Bytes())
		return []importObj{{"EC " + k.Curve.Params().Name + " public key", append(classAttr(ck.CKO_PUBLIC_KEY, ck.CKK_EC),
			ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: params},
			ck.Attribute{Type: ck.CKA_EC_POINT, Value: point},
			boolAttr(ck.CKA_VERIFY, true))}}, nil
	case ed25519.PrivateKey:
		params, _ := asn1.Marshal(oidEd25519)
		priv := append(classAttr(ck.CKO_PRIVATE_KEY, ck.CKK_EC_EDWARDS),
			ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: params},
			ck.Attribute{Type: ck.CKA_VALUE, Value: k.Seed()},
			boolAttr(ck.CKA_SIGN, true))
		pub, _ := keyObjects(k.Public().(ed25519.PublicKey))
		return append([]importObj{{"Ed25519 private key", priv}}, pub...), nil
	case ed25519.PublicKey:
		params, _ := asn1.Marshal(oidEd25519)
		point, _ := asn1.Marshal([]byte(k))
		return []importObj{{"Ed25519 public key", append(classAttr(ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS),
			ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: params},
			ck.Attribute{Type: ck.CKA_EC_POINT, Value: point},
			boolAttr(ck.CKA_VERIFY, true))}}, nil
	}
	return nil, fmt.Errorf("a %T key is not one gohsm imports (RSA, EC or Ed25519)", key)
}
