package main

// key_generate.go: `gohsm key generate`, RSA, EC, Ed25519, AES and generic
// secret keys made inside the token.

import (
	"encoding/asn1"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/provider"
)

// keyAttrs are what generate and import share: --key-label, --id,
// --extractable and --token.
type keyAttrs struct {
	label, id          string
	extractable, token bool
}

func (k *keyAttrs) addFlags(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.StringVar(&k.label, "key-label", "", "label of the new "+what+" (required; --label names the token)")
	f.StringVar(&k.id, "id", "", "CKA_ID of the "+what+", in hexadecimal")
	f.BoolVar(&k.extractable, "extractable", false, "the key may be wrapped out of the token (default: non-extractable)")
	f.BoolVar(&k.token, "token", true, "a token (persistent) key; --token=false makes a session key that ends with the command")
	cmd.Flags().Bool("no-extractable", false, "the key never leaves the token (the default)")
}

// common is the template every generated or imported key gets.
func (k *keyAttrs) common(cmd *cobra.Command) (ck.Template, error) {
	if k.label == "" {
		return nil, usagef("--key-label is required")
	}
	if ne, _ := cmd.Flags().GetBool("no-extractable"); ne && k.extractable {
		return nil, usagef("give --extractable or --no-extractable, not both")
	}
	t := ck.Template{
		{Type: ck.CKA_LABEL, Value: []byte(k.label)},
		{Type: ck.CKA_TOKEN, Value: ck.EncodeBool(k.token)},
	}
	if k.id != "" {
		id, err := hexID(k.id)
		if err != nil {
			return nil, err
		}
		t = append(t, ck.Attribute{Type: ck.CKA_ID, Value: id})
	}
	return t, nil
}

// secretAttrs are the extra attributes of a private or secret key.
func (k *keyAttrs) secretAttrs() ck.Template {
	return ck.Template{
		{Type: ck.CKA_PRIVATE, Value: ck.EncodeBool(true)},
		{Type: ck.CKA_SENSITIVE, Value: ck.EncodeBool(true)},
		{Type: ck.CKA_EXTRACTABLE, Value: ck.EncodeBool(k.extractable)},
	}
}

func boolAttr(t ck.AttributeType, v bool) ck.Attribute {
	return ck.Attribute{Type: t, Value: ck.EncodeBool(v)}
}

// ecParams is the DER namedCurve OID of a curve named like "P-256".
func ecParams(name string) ([]byte, error) {
	oids := map[string]asn1.ObjectIdentifier{
		"P-224": {1, 3, 132, 0, 33}, "P-256": {1, 2, 840, 10045, 3, 1, 7},
		"P-384": {1, 3, 132, 0, 34}, "P-521": {1, 3, 132, 0, 35},
		"SECP256K1": {1, 3, 132, 0, 10},
	}
	aliases := map[string]string{"PRIME256V1": "P-256", "SECP256R1": "P-256", "SECP384R1": "P-384", "SECP521R1": "P-521", "SECP224R1": "P-224"}
	n := strings.ToUpper(name)
	if a, ok := aliases[n]; ok {
		n = a
	}
	oid, ok := oids[n]
	if !ok {
		return nil, usagef("--curve %q: use P-256, P-384 or P-521", name)
	}
	der, _ := asn1.Marshal(oid)
	if _, err := mechanisms.CurveFromParams(der); err != nil {
		return nil, fmt.Errorf("curve %s is not supported by this gohsm", name)
	}
	return der, nil
}

func newKeyGenerateCmd(a *app) *cobra.Command {
	var (
		sel         tokenSelector
		cu          cuLogin
		attrs       keyAttrs
		kind, curve string
		bits        int
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a key or key pair in the token",
		Long: `Generate a key inside the token, owned by the logged-in Crypto User.
--type rsa (--bits 2048, 3072 or 4096; public exponent 65537), ec (--curve
P-256, P-384 or P-521), ed25519, aes (--bits 128, 192 or 256) or generic
(an HMAC / derivation secret, --bits a multiple of 8). Private and secret keys
are private, sensitive and, unless --extractable, never extractable, as in
CloudHSM. Pairs share their label and ID.`,
		Example: `  GOHSM_USER_PIN=alice-pass gohsm key generate --user alice --type ec --curve P-256 --key-label signing
  gohsm key generate --user alice --type rsa --bits 4096 --key-label rsa-sign --id 01
  gohsm key generate --user alice --type aes --bits 256 --key-label data-key
  gohsm key generate --user alice --type ed25519 --key-label ed --extractable`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			common, err := attrs.common(cmd)
			if err != nil {
				return err
			}
			spec, err := generateSpec(cmd, kind, bits, curve)
			if err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				stop := func() {}
				if spec.slow {
					stop = progress(a.stderr, "Generating "+spec.what)
				}
				var pub, priv ck.ObjectHandle
				var err error
				if spec.pair {
					pubT := append(append(ck.Template{}, common...), spec.pub...)
					privT := append(append(append(ck.Template{}, common...), attrs.secretAttrs()...), spec.priv...)
					pub, priv, err = m.GenerateKeyPair(h, spec.mech, pubT, privT)
				} else {
					t := append(append(append(ck.Template{}, common...), attrs.secretAttrs()...), spec.priv...)
					priv, err = m.GenerateKey(h, spec.mech, t)
				}
				stop()
				if err != nil {
					return fmt.Errorf("key generate %s: %w", spec.what, err)
				}
				if spec.pair {
					fmt.Fprintf(a.stdout, "Generated %s %q: private key %s, public key %s.\n", spec.what, attrs.label,
						uniqueID(m, h, priv), uniqueID(m, h, pub))
				} else {
					fmt.Fprintf(a.stdout, "Generated %s %q: key %s.\n", spec.what, attrs.label, uniqueID(m, h, priv))
				}
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	attrs.addFlags(cmd, "key")
	f := cmd.Flags()
	f.StringVar(&kind, "type", "", "rsa, ec, ed25519, aes or generic (required)")
	f.IntVar(&bits, "bits", 0, "key size: RSA modulus (default 2048), AES (default 256), generic secret (default 256)")
	f.StringVar(&curve, "curve", "P-256", "EC curve: P-256, P-384 or P-521")
	return cmd
}

// genSpec is the mechanism and templates of one kind of key.
type genSpec struct {
	what      string
	mech      ck.Mechanism
	pair      bool
	slow      bool // show progress: large RSA keys
	pub, priv ck.Template
}

func generateSpec(cmd *cobra.Command, kind string, bits int, curve string) (genSpec, error) {
	if cmd.Flags().Changed("curve") && strings.ToLower(kind) != "ec" {
		return genSpec{}, usagef("--curve applies to --type ec only")
	}
	switch strings.ToLower(kind) {
	case "rsa":
		if bits == 0 {
			bits = 2048
		}
		if bits < 2048 || bits > 8192 || bits%8 != 0 {
			return genSpec{}, usagef("--bits %d: an RSA key is 2048 to 8192 bits, a multiple of 8", bits)
		}
		return genSpec{
			what: fmt.Sprintf("RSA-%d key pair", bits), mech: ck.Mechanism{Type: ck.CKM_RSA_PKCS_KEY_PAIR_GEN}, pair: true, slow: bits >= 3072,
			pub: ck.Template{{Type: ck.CKA_MODULUS_BITS, Value: ck.EncodeULong(ck.ULong(bits))},
				{Type: ck.CKA_PUBLIC_EXPONENT, Value: []byte{1, 0, 1}},
				boolAttr(ck.CKA_VERIFY, true), boolAttr(ck.CKA_ENCRYPT, true), boolAttr(ck.CKA_WRAP, false)},
			priv: ck.Template{boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_DECRYPT, true), boolAttr(ck.CKA_UNWRAP, false)},
		}, nil
	case "ec":
		if cmd.Flags().Changed("bits") {
			return genSpec{}, usagef("an EC key's size comes from --curve, not --bits")
		}
		params, err := ecParams(curve)
		if err != nil {
			return genSpec{}, err
		}
		return genSpec{
			what: "EC " + strings.ToUpper(curve) + " key pair", mech: ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pair: true,
			pub: ck.Template{{Type: ck.CKA_EC_PARAMS, Value: params}, boolAttr(ck.CKA_VERIFY, true),
				boolAttr(ck.CKA_ENCRYPT, false), boolAttr(ck.CKA_WRAP, false)},
			priv: ck.Template{boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_DERIVE, true),
				boolAttr(ck.CKA_DECRYPT, false), boolAttr(ck.CKA_UNWRAP, false)},
		}, nil
	case "ed25519":
		if cmd.Flags().Changed("bits") {
			return genSpec{}, usagef("an Ed25519 key has no --bits")
		}
		params, _ := asn1.Marshal(oidEd25519)
		return genSpec{
			what: "Ed25519 key pair", mech: ck.Mechanism{Type: ck.CKM_EC_EDWARDS_KEY_PAIR_GEN}, pair: true,
			pub: ck.Template{{Type: ck.CKA_EC_PARAMS, Value: params}, boolAttr(ck.CKA_VERIFY, true),
				boolAttr(ck.CKA_ENCRYPT, false), boolAttr(ck.CKA_WRAP, false)},
			priv: ck.Template{boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_DECRYPT, false),
				boolAttr(ck.CKA_UNWRAP, false), boolAttr(ck.CKA_DERIVE, false)},
		}, nil
	case "aes":
		if bits == 0 {
			bits = 256
		}
		if bits != 128 && bits != 192 && bits != 256 {
			return genSpec{}, usagef("--bits %d: an AES key is 128, 192 or 256 bits", bits)
		}
		return genSpec{
			what: fmt.Sprintf("AES-%d key", bits), mech: ck.Mechanism{Type: ck.CKM_AES_KEY_GEN},
			priv: ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(bits / 8))},
				boolAttr(ck.CKA_ENCRYPT, true), boolAttr(ck.CKA_DECRYPT, true),
				boolAttr(ck.CKA_WRAP, true), boolAttr(ck.CKA_UNWRAP, true)},
		}, nil
	case "generic", "generic-secret":
		if bits == 0 {
			bits = 256
		}
		if bits < 8 || bits%8 != 0 || bits > 8192 {
			return genSpec{}, usagef("--bits %d: a generic secret is a multiple of 8 bits, up to 8192", bits)
		}
		return genSpec{
			what: fmt.Sprintf("%d-bit generic secret", bits), mech: ck.Mechanism{Type: ck.CKM_GENERIC_SECRET_KEY_GEN},
			priv: ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(bits / 8))},
				boolAttr(ck.CKA_SIGN, true), boolAttr(ck.CKA_VERIFY, true), boolAttr(ck.CKA_DERIVE, true)},
		}, nil
	case "":
		return genSpec{}, usagef("--type is required: rsa, ec, ed25519, aes or generic")
	}
	return genSpec{}, usagef("--type %q: rsa, ec, ed25519, aes or generic", kind)
}

// uniqueID is an object's store ID for messages, or "?".
func uniqueID(m *provider.Module, h ck.SessionHandle, oh ck.ObjectHandle) string {
	res, err := m.GetAttributeValue(h, oh, []ck.AttributeType{ck.CKA_UNIQUE_ID})
	if err != nil || res[0].Err != ck.CKR_OK {
		return "?"
	}
	return string(res[0].Value)
}

// progress shows a spinner with the elapsed time on w while long work runs,
// only when w is a terminal; the returned function stops it.
func progress(w io.Writer, what string) func() {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		start := time.Now()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		frames := `|/-\`
		for i := 0; ; i++ {
			fmt.Fprintf(f, "\r%s %c %.0fs", what, frames[i%len(frames)], time.Since(start).Seconds())
			select {
			case <-done:
				fmt.Fprintf(f, "\r%s\r", strings.Repeat(" ", len(what)+8))
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}
