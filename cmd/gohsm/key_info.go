package main

// key_info.go: `gohsm key info` (every readable attribute, and the shares)
// and `gohsm key set` (label, ID and usage flags).

import (
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/provider"
)

// infoAttrs are the attributes `key info` asks for. Key material (CKA_VALUE,
// private exponents, primes) is never asked for, even when extractable.
var infoAttrs = []ck.AttributeType{
	ck.CKA_CLASS, ck.CKA_KEY_TYPE, ck.CKA_LABEL, ck.CKA_ID, ck.CKA_UNIQUE_ID,
	ck.CKA_TOKEN, ck.CKA_PRIVATE, ck.CKA_MODIFIABLE, ck.CKA_COPYABLE, ck.CKA_DESTROYABLE,
	ck.CKA_LOCAL, ck.CKA_KEY_GEN_MECHANISM, ck.CKA_SENSITIVE, ck.CKA_ALWAYS_SENSITIVE,
	ck.CKA_EXTRACTABLE, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_ENCRYPT, ck.CKA_DECRYPT,
	ck.CKA_SIGN, ck.CKA_VERIFY, ck.CKA_SIGN_RECOVER, ck.CKA_VERIFY_RECOVER, ck.CKA_WRAP,
	ck.CKA_UNWRAP, ck.CKA_DERIVE, ck.CKA_TRUSTED, ck.CKA_WRAP_WITH_TRUSTED,
	ck.CKA_ALWAYS_AUTHENTICATE, ck.CKA_MODULUS_BITS, ck.CKA_PUBLIC_EXPONENT, ck.CKA_MODULUS,
	ck.CKA_EC_PARAMS, ck.CKA_EC_POINT, ck.CKA_VALUE_LEN, ck.CKA_START_DATE, ck.CKA_END_DATE,
}

// boolAttrs are the CK_BBOOL attributes among infoAttrs.
var boolAttrs = map[ck.AttributeType]bool{
	ck.CKA_TOKEN: true, ck.CKA_PRIVATE: true, ck.CKA_MODIFIABLE: true, ck.CKA_COPYABLE: true,
	ck.CKA_DESTROYABLE: true, ck.CKA_LOCAL: true, ck.CKA_SENSITIVE: true, ck.CKA_ALWAYS_SENSITIVE: true,
	ck.CKA_EXTRACTABLE: true, ck.CKA_NEVER_EXTRACTABLE: true, ck.CKA_ENCRYPT: true, ck.CKA_DECRYPT: true,
	ck.CKA_SIGN: true, ck.CKA_VERIFY: true, ck.CKA_SIGN_RECOVER: true, ck.CKA_VERIFY_RECOVER: true,
	ck.CKA_WRAP: true, ck.CKA_UNWRAP: true, ck.CKA_DERIVE: true, ck.CKA_TRUSTED: true,
	ck.CKA_WRAP_WITH_TRUSTED: true, ck.CKA_ALWAYS_AUTHENTICATE: true,
}

// attrText renders one attribute value for people and JSON.
func attrText(t ck.AttributeType, v []byte) any {
	if boolAttrs[t] {
		b, err := ck.DecodeBool(v)
		if err == nil {
			return b
		}
	}
	switch t {
	case ck.CKA_CLASS:
		if n, err := ck.DecodeULong(v); err == nil {
			return className(ck.ObjectClass(n))
		}
	case ck.CKA_KEY_TYPE:
		if n, err := ck.DecodeULong(v); err == nil {
			return keyTypeName(ck.KeyType(n))
		}
	case ck.CKA_KEY_GEN_MECHANISM:
		if n, err := ck.DecodeULong(v); err == nil {
			if n == ck.UnavailableInformation {
				return "none"
			}
			return ck.MechanismType(n).String()
		}
	case ck.CKA_MODULUS_BITS, ck.CKA_VALUE_LEN:
		if n, err := ck.DecodeULong(v); err == nil {
			return n
		}
	case ck.CKA_LABEL, ck.CKA_UNIQUE_ID, ck.CKA_START_DATE, ck.CKA_END_DATE:
		return string(v)
	case ck.CKA_EC_PARAMS:
		return curveName(v)
	}
	return hex.EncodeToString(v)
}

var (
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidEd448   = asn1.ObjectIdentifier{1, 3, 101, 113}
)

// curveName names the curve of CKA_EC_PARAMS, else gives the DER in hex.
func curveName(der []byte) string {
	if c, err := mechanisms.CurveFromParams(der); err == nil {
		return c.Name
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(der, &oid); err == nil {
		switch {
		case oid.Equal(oidEd25519):
			return "Ed25519"
		case oid.Equal(oidEd448):
			return "Ed448"
		}
	}
	var name string
	if _, err := asn1.UnmarshalWithParams(der, &name, "printable"); err == nil {
		switch name {
		case "edwards25519":
			return "Ed25519"
		case "edwards448":
			return "Ed448"
		}
	}
	return hex.EncodeToString(der)
}

func curveBits(der []byte) int {
	if c, err := mechanisms.CurveFromParams(der); err == nil {
		return c.Bits()
	}
	switch curveName(der) {
	case "Ed25519":
		return 255
	case "Ed448":
		return 448
	}
	return 0
}

// keyInfoView is one key object as `key info` shows it.
type keyInfoView struct {
	Handle     uint64         `json:"-"`
	Attributes map[string]any `json:"attributes"`
	Order      []string       `json:"-"`
	Owner      string         `json:"owner,omitempty"`
	SharedWith []string       `json:"shared_with"`
}

func readKeyInfo(m *provider.Module, h ck.SessionHandle, o keyObj) (keyInfoView, error) {
	res, err := m.GetAttributeValue(h, o.h, infoAttrs)
	if err != nil && len(res) != len(infoAttrs) {
		return keyInfoView{}, err
	}
	v := keyInfoView{Handle: uint64(o.h), Attributes: map[string]any{}, SharedWith: []string{}}
	for i, t := range infoAttrs {
		if res[i].Err != ck.CKR_OK {
			continue // absent from this key type, or sensitive
		}
		name := strings.TrimPrefix(t.String(), "CKA_")
		v.Attributes[name] = attrText(t, res[i].Value)
		v.Order = append(v.Order, name)
	}
	if info, err := m.Shares(h, o.h); err == nil {
		v.Owner, v.SharedWith = info.Owner, info.SharedWith
	}
	return v, nil
}

func newKeyInfoCmd(a *app) *cobra.Command {
	var (
		sel    tokenSelector
		cu     cuLogin
		key    keyRef
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show every readable attribute of a key (both halves of a pair) and its shares",
		Long: `Show the attributes of a key that the user may read, its owner and the users it
is shared with. Key material (secret values, private exponents) is never shown.`,
		Example: `  GOHSM_USER_PIN=alice-pass gohsm key info --user alice --key signing
  gohsm key info --user alice --key-id 12 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := key.check(); err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				objs, err := key.find(m, h)
				if err != nil {
					return err
				}
				vs := make([]keyInfoView, 0, len(objs))
				for _, o := range objs {
					v, err := readKeyInfo(m, h, o)
					if err != nil {
						return fmt.Errorf("key info: %w", err)
					}
					vs = append(vs, v)
				}
				if asJSON {
					return printJSON(a.stdout, vs)
				}
				for i, v := range vs {
					if i > 0 {
						fmt.Fprintln(a.stdout)
					}
					tw := tabwriter.NewWriter(a.stdout, 0, 4, 1, ' ', 0)
					for _, n := range v.Order {
						fmt.Fprintf(tw, "%s:\t%v\n", n, v.Attributes[n])
					}
					fmt.Fprintf(tw, "OWNER:\t%s\n", dash(v.Owner))
					fmt.Fprintf(tw, "SHARED WITH:\t%s\n", dash(joinNames(v.SharedWith)))
					if err := tw.Flush(); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// settableFlags are the boolean attributes `key set` changes, by flag name.
var settableFlags = []struct {
	flag string
	attr ck.AttributeType
}{
	{"encrypt", ck.CKA_ENCRYPT}, {"decrypt", ck.CKA_DECRYPT}, {"sign", ck.CKA_SIGN}, {"verify", ck.CKA_VERIFY},
	{"wrap", ck.CKA_WRAP}, {"unwrap", ck.CKA_UNWRAP}, {"derive", ck.CKA_DERIVE},
	{"extractable", ck.CKA_EXTRACTABLE}, {"sensitive", ck.CKA_SENSITIVE}, {"modifiable", ck.CKA_MODIFIABLE},
}

func newKeySetCmd(a *app) *cobra.Command {
	var (
		sel                          tokenSelector
		cu                           cuLogin
		key                          keyRef
		newLabel, newID, quorumToken string
	)
	bools := make([]bool, len(settableFlags))
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Change a key's label, ID or usage flags",
		Long: `Change attributes of the key (C_SetAttributeValue). With --key naming a pair,
each half gets the attributes that apply to its class; a flag no half accepts
is an error. Only the owner may change a key; the token refuses changes the
PKCS#11 rules forbid (making a key extractable again, or not sensitive).`,
		Example: `  GOHSM_USER_PIN=alice-pass gohsm key set --user alice --key signing --new-label signing-2024
  gohsm key set --user alice --key aes1 --decrypt=false --new-id 0a0b
  gohsm key set --user alice --key-id 12 --sign=false --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := key.check(); err != nil {
				return err
			}
			var common ck.Template
			if cmd.Flags().Changed("new-label") {
				common = append(common, ck.Attribute{Type: ck.CKA_LABEL, Value: []byte(newLabel)})
			}
			if cmd.Flags().Changed("new-id") {
				id, err := hex.DecodeString(newID)
				if err != nil {
					return usagef("--new-id %q is not hexadecimal", newID)
				}
				common = append(common, ck.Attribute{Type: ck.CKA_ID, Value: id})
			}
			var flags ck.Template
			for i, s := range settableFlags {
				if cmd.Flags().Changed(s.flag) {
					flags = append(flags, ck.Attribute{Type: s.attr, Value: ck.EncodeBool(bools[i])})
				}
			}
			if len(common)+len(flags) == 0 {
				return usagef("nothing to set: give --new-label, --new-id or a flag such as --decrypt=false")
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				objs, err := key.find(m, h)
				if err != nil {
					return err
				}
				used := map[ck.AttributeType]bool{}
				type change struct {
					o    keyObj
					tmpl ck.Template
				}
				var changes []change
				for _, o := range objs {
					tmpl := append(ck.Template{}, common...)
					for _, at := range flags {
						if appliesTo(at.Type, o.class) {
							tmpl = append(tmpl, at)
							used[at.Type] = true
						}
					}
					changes = append(changes, change{o, tmpl})
				}
				for _, at := range flags {
					if !used[at.Type] {
						return usagef("%s applies to no key named by %s", strings.ToLower(strings.TrimPrefix(at.Type.String(), "CKA_")), &key)
					}
				}
				for _, c := range changes {
					if len(c.tmpl) == 0 {
						continue
					}
					if err := attachQuorum(m, h, quorumToken); err != nil {
						return err
					}
					if err := m.SetAttributeValue(h, c.o.h, c.tmpl); err != nil {
						return fmt.Errorf("key set (%s key): %w", className(c.o.class), err)
					}
				}
				fmt.Fprintf(a.stdout, "Changed %s (%d objects).\n", &key, len(objs))
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&newLabel, "new-label", "", "the new label of the key")
	f.StringVar(&newID, "new-id", "", "the new CKA_ID, in hexadecimal")
	for i, s := range settableFlags {
		f.BoolVar(&bools[i], s.flag, false, "set CKA_"+strings.ToUpper(s.flag)+" (--"+s.flag+"=false clears it)")
	}
	f.StringVar(&quorumToken, "quorum-token", "", `an approved quorum token for "key.set object=K attributes=CKA_A,CKA_B"`)
	return cmd
}

// appliesTo says whether a usage attribute belongs to keys of class c.
func appliesTo(t ck.AttributeType, c ck.ObjectClass) bool {
	switch t {
	case ck.CKA_ENCRYPT, ck.CKA_VERIFY, ck.CKA_WRAP:
		return c == ck.CKO_PUBLIC_KEY || c == ck.CKO_SECRET_KEY
	case ck.CKA_DECRYPT, ck.CKA_SIGN, ck.CKA_UNWRAP, ck.CKA_EXTRACTABLE, ck.CKA_SENSITIVE:
		return c == ck.CKO_PRIVATE_KEY || c == ck.CKO_SECRET_KEY
	}
	return true
}

// hexID parses --id for new keys.
func hexID(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, usagef("--id %q is not hexadecimal", s)
	}
	return b, nil
}
