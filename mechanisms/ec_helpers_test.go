package mechanisms

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func attrTemplate(attrs map[ck.AttributeType][]byte) ck.Template {
	var t ck.Template
	for k, v := range attrs {
		t = append(t, ck.Attribute{Type: k, Value: v})
	}
	return t
}

func mustLookup(t testing.TB, typ ck.MechanismType) Mechanism {
	t.Helper()
	m, ok := Lookup(typ)
	if !ok {
		t.Fatalf("%v is not registered", typ)
	}
	return m
}

// genECKeys makes a key pair on c through CKM_EC_KEY_PAIR_GEN, as provider would.
func genECKeys(t testing.TB, c *Curve) (pub, priv *Key) {
	t.Helper()
	g := mustLookup(t, ck.CKM_EC_KEY_PAIR_GEN).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, c.OID)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC, Attrs: pa},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: va}
}

func ecKeyFromPoint(t testing.TB, c *Curve, point []byte) *Key {
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derOID(t, c.OID),
		ck.CKA_EC_POINT:  encodeECPoint(point),
	}}
}

func curveByName(t testing.TB, name string) *Curve {
	t.Helper()
	for _, c := range curves {
		if c.Name == name {
			return c
		}
		for _, n := range c.names {
			if n == name {
				return c
			}
		}
	}
	t.Fatalf("no curve %q", name)
	return nil
}
