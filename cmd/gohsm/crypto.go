package main

// crypto.go: `gohsm crypto sign|verify|encrypt|decrypt`, quick checks of a
// key with one mechanism, files in and out.

import (
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// maxCryptoInput bounds what the quick checks read: they work in one part.
const maxCryptoInput = 64 << 20

// hashes are the digest families the mechanism names use.
var hashes = []struct {
	name string
	mech ck.MechanismType
	mgf  ck.MGF
	size ck.ULong
}{
	{"SHA1", ck.CKM_SHA_1, ck.CKG_MGF1_SHA1, 20},
	{"SHA224", ck.CKM_SHA224, ck.CKG_MGF1_SHA224, 28},
	{"SHA256", ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32},
	{"SHA384", ck.CKM_SHA384, ck.CKG_MGF1_SHA384, 48},
	{"SHA512", ck.CKM_SHA512, ck.CKG_MGF1_SHA512, 64},
}

// mechSpec is one mechanism name of the CLI.
type mechSpec struct {
	mech  ck.MechanismType
	param func() (any, []byte) // the parameter, and the IV to put before the output
	ivLen int                  // decrypt: the IV length read back from the input's start
	ecdsa bool                 // raw r||s signatures that --der converts
	sign  bool                 // sign/verify (else encrypt/decrypt)
	mkGCM bool                 // the IV goes in CK_GCM_PARAMS (else it is the parameter)
}

// mechanismTable maps the CLI's names (upper case) to mechanisms.
func mechanismTable() map[string]mechSpec {
	t := map[string]mechSpec{
		"ECDSA":            {mech: ck.CKM_ECDSA, ecdsa: true, sign: true},
		"EDDSA":            {mech: ck.CKM_EDDSA, sign: true},
		"RSA-PKCS":         {mech: ck.CKM_RSA_PKCS, sign: true},
		"AES-GCM":          {mech: ck.CKM_AES_GCM, ivLen: 12, mkGCM: true},
		"AES-CBC-PAD":      {mech: ck.CKM_AES_CBC_PAD, ivLen: 16},
		"RSA-PKCS-ENCRYPT": {mech: ck.CKM_RSA_PKCS},
		"RSA-OAEP": {mech: ck.CKM_RSA_PKCS_OAEP, param: func() (any, []byte) {
			return &ck.OAEPParams{Hash: ck.CKM_SHA_1, MGF: ck.CKG_MGF1_SHA1, Source: ck.CKZ_DATA_SPECIFIED}, nil
		}},
	}
	rsaPKCS := map[string]ck.MechanismType{"SHA1": ck.CKM_SHA1_RSA_PKCS, "SHA224": ck.CKM_SHA224_RSA_PKCS,
		"SHA256": ck.CKM_SHA256_RSA_PKCS, "SHA384": ck.CKM_SHA384_RSA_PKCS, "SHA512": ck.CKM_SHA512_RSA_PKCS}
	rsaPSS := map[string]ck.MechanismType{"SHA1": ck.CKM_SHA1_RSA_PKCS_PSS, "SHA224": ck.CKM_SHA224_RSA_PKCS_PSS,
		"SHA256": ck.CKM_SHA256_RSA_PKCS_PSS, "SHA384": ck.CKM_SHA384_RSA_PKCS_PSS, "SHA512": ck.CKM_SHA512_RSA_PKCS_PSS}
	ecdsa := map[string]ck.MechanismType{"SHA1": ck.CKM_ECDSA_SHA1, "SHA224": ck.CKM_ECDSA_SHA224,
		"SHA256": ck.CKM_ECDSA_SHA256, "SHA384": ck.CKM_ECDSA_SHA384, "SHA512": ck.CKM_ECDSA_SHA512}
	hmac := map[string]ck.MechanismType{"SHA224": ck.CKM_SHA224_HMAC, "SHA256": ck.CKM_SHA256_HMAC,
		"SHA384": ck.CKM_SHA384_HMAC, "SHA512": ck.CKM_SHA512_HMAC}
	for _, h := range hashes {
		h := h
		t[h.name+"-RSA-PKCS"] = mechSpec{mech: rsaPKCS[h.name], sign: true}
		t["RSA-PSS-"+h.name] = mechSpec{mech: rsaPSS[h.name], sign: true, param: func() (any, []byte) {
			return &ck.PSSParams{Hash: h.mech, MGF: h.mgf, SaltLength: h.size}, nil
		}}
		t["ECDSA-"+h.name] = mechSpec{mech: ecdsa[h.name], ecdsa: true, sign: true}
		if m, ok := hmac[h.name]; ok {
			t["HMAC-"+h.name] = mechSpec{mech: m, sign: true}
		}
		if h.name != "SHA1" {
			t["RSA-OAEP-"+h.name] = mechSpec{mech: ck.CKM_RSA_PKCS_OAEP, param: func() (any, []byte) {
				return &ck.OAEPParams{Hash: h.mech, MGF: h.mgf, Source: ck.CKZ_DATA_SPECIFIED}, nil
			}}
		}
	}
	return t
}

func mechNames(sign bool) string {
	var ns []string
	for n, s := range mechanismTable() {
		if s.sign == sign {
			ns = append(ns, n)
		}
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}

func lookupMech(name string, sign bool) (mechSpec, error) {
	n := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(name), "CKM_"))
	n = strings.ReplaceAll(n, "_", "-")
	if !sign && n == "RSA-PKCS" {
		n = "RSA-PKCS-ENCRYPT"
	}
	s, ok := mechanismTable()[n]
	if !ok || s.sign != sign {
		return s, usagef("--mechanism %q: use one of %s", name, mechNames(sign))
	}
	return s, nil
}

// cryptoIO are --in and --out (files, or stdin and stdout) and
// --quorum-token, for a key whose use needs quorum approval.
type cryptoIO struct {
	in, out, quorumToken string
}

func (c *cryptoIO) addFlags(cmd *cobra.Command, out bool) {
	cmd.Flags().StringVar(&c.in, "in", "", "input file (default: standard input)")
	if out {
		cmd.Flags().StringVarP(&c.out, "out", "o", "", "output file (default: standard output)")
	}
	cmd.Flags().StringVar(&c.quorumToken, "quorum-token", "", `an approved quorum token for "key.use object=K", when quorum guards the key's use`)
}

func (c *cryptoIO) read(a *app) ([]byte, error) {
	var r io.Reader = a.stdin
	if c.in != "" && c.in != "-" {
		f, err := os.Open(c.in)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxCryptoInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCryptoInput {
		return nil, fmt.Errorf("the input is over %d MiB; crypto commands are for quick checks", maxCryptoInput>>20)
	}
	return b, nil
}

func (c *cryptoIO) write(a *app, b []byte) error {
	if c.out == "" || c.out == "-" {
		_, err := a.stdout.Write(b)
		return err
	}
	return os.WriteFile(c.out, b, 0o600)
}

func newCryptoCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "crypto",
		Short: "Sign, verify, encrypt and decrypt with a token key (quick checks)",
		Long: `Use a key of the logged-in Crypto User (or one shared with it) once, on a file.
--key LABEL or --key-id ID names the key; --user and the password work as in
'gohsm key'. ECDSA signatures are raw r||s (PKCS#11's form) unless --der.
AES-GCM output is IV (12 bytes) || ciphertext || tag (16 bytes); AES-CBC-PAD
output is IV (16 bytes) || ciphertext; decrypt reads the same layout.`,
		Args: noArgs,
		RunE: showHelp,
	}
	cmd.AddCommand(newCryptoSignCmd(a), newCryptoVerifyCmd(a), newCryptoCipherCmd(a, true), newCryptoCipherCmd(a, false))
	return cmd
}

func newCryptoSignCmd(a *app) *cobra.Command {
	var (
		sel   tokenSelector
		cu    cuLogin
		key   keyRef
		files cryptoIO
		mech  string
		der   bool
	)
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a file",
		Example: `  GOHSM_USER_PIN=alice-pass gohsm crypto sign --user alice --key signing --mechanism ECDSA-SHA256 --der --in msg.txt -o msg.sig
  openssl dgst -sha256 -verify signing.pub.pem -signature msg.sig msg.txt
  gohsm crypto sign --user alice --key rsa --mechanism RSA-PSS-SHA256 --in msg.txt -o msg.sig`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := cryptoArgs(&key, mech, true)
			if err != nil {
				return err
			}
			if der && !spec.ecdsa {
				return usagef("--der applies to ECDSA mechanisms only")
			}
			data, err := files.read(a)
			if err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				oh, err := key.one(m, h, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY)
				if err != nil {
					return err
				}
				mm, _ := spec.mechanism()
				if err := attachQuorum(m, h, files.quorumToken); err != nil {
					return err
				}
				if err := m.SignInit(h, mm, oh); err != nil {
					return fmt.Errorf("crypto sign: %w", err)
				}
				n, err := m.Sign(h, data, nil)
				if err != nil {
					return fmt.Errorf("crypto sign: %w", err)
				}
				sig := make([]byte, n)
				if n, err = m.Sign(h, data, sig); err != nil {
					return fmt.Errorf("crypto sign: %w", err)
				}
				sig = sig[:n]
				if der {
					if sig, err = rawToDER(sig); err != nil {
						return err
					}
				}
				return files.write(a, sig)
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	files.addFlags(cmd, true)
	cmd.Flags().StringVarP(&mech, "mechanism", "m", "", "signature mechanism: "+mechNames(true)+" (required)")
	cmd.Flags().BoolVar(&der, "der", false, "write an ECDSA signature as DER (as openssl), not raw r||s")
	return cmd
}

func cryptoArgs(key *keyRef, mech string, sign bool) (mechSpec, error) {
	if err := key.check(); err != nil {
		return mechSpec{}, err
	}
	if mech == "" {
		return mechSpec{}, usagef("--mechanism is required: one of %s", mechNames(sign))
	}
	return lookupMech(mech, sign)
}

// mechanism builds the ck.Mechanism, with a fresh IV for encryption.
func (s mechSpec) mechanism() (ck.Mechanism, []byte) {
	switch {
	case s.param != nil:
		p, iv := s.param()
		return ck.Mechanism{Type: s.mech, Parameter: p}, iv
	case s.ivLen > 0:
		iv := make([]byte, s.ivLen)
		_, _ = rand.Read(iv) // crypto/rand.Read never returns an error (Go 1.24+)
		return s.withIV(iv), iv
	}
	return ck.Mechanism{Type: s.mech}, nil
}

func (s mechSpec) withIV(iv []byte) ck.Mechanism {
	if s.mkGCM {
		return ck.Mechanism{Type: s.mech, Parameter: &ck.GCMParams{IV: iv, IVBits: ck.ULong(len(iv) * 8), TagBits: 128}}
	}
	return ck.Mechanism{Type: s.mech, Parameter: iv}
}

type ecdsaSig struct{ R, S *big.Int }

func rawToDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("an ECDSA signature of %d bytes is not r||s", len(raw))
	}
	h := len(raw) / 2
	return asn1.Marshal(ecdsaSig{new(big.Int).SetBytes(raw[:h]), new(big.Int).SetBytes(raw[h:])})
}

// derToRaw turns a DER signature into r||s with size-byte halves.
func derToRaw(der []byte, size int) ([]byte, error) {
	var s ecdsaSig
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil || len(rest) != 0 || s.R == nil || s.S == nil || s.R.Sign() <= 0 || s.S.Sign() <= 0 ||
		len(s.R.Bytes()) > size || len(s.S.Bytes()) > size {
		return nil, errBadSignature
	}
	out := make([]byte, 2*size)
	s.R.FillBytes(out[:size])
	s.S.FillBytes(out[size:])
	return out, nil
}

var errBadSignature = errors.New("the signature does not verify")

// ecSize is the byte size of a field element of an EC key's curve.
func ecSize(m *provider.Module, h ck.SessionHandle, oh ck.ObjectHandle) (int, error) {
	res, err := m.GetAttributeValue(h, oh, []ck.AttributeType{ck.CKA_EC_PARAMS})
	if err != nil || res[0].Err != ck.CKR_OK {
		return 0, errors.New("--der needs an EC key")
	}
	return (curveBits(res[0].Value) + 7) / 8, nil
}

func newCryptoVerifyCmd(a *app) *cobra.Command {
	var (
		sel           tokenSelector
		cu            cuLogin
		key           keyRef
		files         cryptoIO
		mech, sigFile string
		der           bool
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify a signature of a file (exit 1 when it does not verify)",
		Example: `  GOHSM_USER_PIN=alice-pass gohsm crypto verify --user alice --key signing --mechanism ECDSA-SHA256 --in msg.txt --sig msg.sig
  openssl dgst -sha256 -sign key.pem -out msg.der msg.txt
  gohsm crypto verify --user alice --key imported --mechanism ECDSA-SHA256 --der --in msg.txt --sig msg.der`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := cryptoArgs(&key, mech, true)
			if err != nil {
				return err
			}
			if sigFile == "" {
				return usagef("--sig is required")
			}
			if der && !spec.ecdsa {
				return usagef("--der applies to ECDSA mechanisms only")
			}
			sig, err := readKeyFile(sigFile)
			if err != nil {
				return err
			}
			data, err := files.read(a)
			if err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				oh, err := key.one(m, h, ck.CKO_PUBLIC_KEY, ck.CKO_SECRET_KEY)
				if err != nil {
					return err
				}
				if der {
					size, err := ecSize(m, h, oh)
					if err != nil {
						return err
					}
					if sig, err = derToRaw(sig, size); err != nil {
						return err
					}
				}
				mm, _ := spec.mechanism()
				if err := attachQuorum(m, h, files.quorumToken); err != nil {
					return err
				}
				if err := m.VerifyInit(h, mm, oh); err != nil {
					return fmt.Errorf("crypto verify: %w", err)
				}
				err = m.Verify(h, data, sig)
				if errors.Is(err, ck.CKR_SIGNATURE_INVALID) || errors.Is(err, ck.CKR_SIGNATURE_LEN_RANGE) {
					return fmt.Errorf("%w (%v)", errBadSignature, err)
				}
				if err != nil {
					return fmt.Errorf("crypto verify: %w", err)
				}
				fmt.Fprintln(a.stdout, "Signature OK.")
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	files.addFlags(cmd, false)
	f := cmd.Flags()
	f.StringVarP(&mech, "mechanism", "m", "", "signature mechanism: "+mechNames(true)+" (required)")
	f.StringVar(&sigFile, "sig", "", "the signature file (required)")
	f.BoolVar(&der, "der", false, "the ECDSA signature is DER (as openssl writes), not raw r||s")
	return cmd
}

func newCryptoCipherCmd(a *app, encrypt bool) *cobra.Command {
	var (
		sel   tokenSelector
		cu    cuLogin
		key   keyRef
		files cryptoIO
		mech  string
	)
	use, short := "encrypt", "Encrypt a file"
	classes := []ck.ObjectClass{ck.CKO_PUBLIC_KEY, ck.CKO_SECRET_KEY}
	if !encrypt {
		use, short = "decrypt", "Decrypt a file"
		classes = []ck.ObjectClass{ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY}
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Example: fmt.Sprintf(`  GOHSM_USER_PIN=alice-pass gohsm crypto %s --user alice --key data-key --mechanism AES-GCM --in in.bin -o out.bin
  gohsm crypto %s --user alice --key rsa --mechanism RSA-OAEP-SHA256 --in in.bin -o out.bin`, use, use),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := cryptoArgs(&key, mech, false)
			if err != nil {
				return err
			}
			data, err := files.read(a)
			if err != nil {
				return err
			}
			var mm ck.Mechanism
			var iv []byte
			if encrypt {
				mm, iv = spec.mechanism()
			} else if spec.ivLen > 0 {
				if len(data) < spec.ivLen {
					return fmt.Errorf("the input is shorter than the %d-byte IV it starts with", spec.ivLen)
				}
				iv, data = data[:spec.ivLen], data[spec.ivLen:]
				mm, iv = spec.withIV(iv), nil
			} else {
				mm, _ = spec.mechanism()
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				oh, err := key.one(m, h, classes...)
				if err != nil {
					return err
				}
				if err := attachQuorum(m, h, files.quorumToken); err != nil {
					return err
				}
				run := m.Decrypt
				if encrypt {
					err, run = m.EncryptInit(h, mm, oh), m.Encrypt
				} else {
					err = m.DecryptInit(h, mm, oh)
				}
				if err != nil {
					return fmt.Errorf("crypto %s: %w", use, err)
				}
				n, err := run(h, data, nil)
				if err != nil {
					return fmt.Errorf("crypto %s: %w", use, err)
				}
				out := make([]byte, n)
				if n, err = run(h, data, out); err != nil {
					return fmt.Errorf("crypto %s: %w", use, err)
				}
				return files.write(a, append(iv, out[:n]...))
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	files.addFlags(cmd, true)
	cmd.Flags().StringVarP(&mech, "mechanism", "m", "", use+" mechanism: "+mechNames(false)+" (required)")
	return cmd
}
