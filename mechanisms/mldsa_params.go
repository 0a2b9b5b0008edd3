package mechanisms

import (
	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/gohsm/gohsm/ck"
)

// mldsaSet is one FIPS 204 parameter set: circl's scheme for key encodings,
// and its sign (hedged or deterministic) and verify with a context string.
type mldsaSet struct {
	ps     ck.MLDSAParameterSet
	scheme sign.Scheme
	sign   func(sk sign.PrivateKey, msg, ctx []byte, hedged bool) ([]byte, error)
	verify func(pk sign.PublicKey, msg, ctx, sig []byte) bool
}

var mldsaSets = []*mldsaSet{
	{ck.CKP_ML_DSA_44, mldsa44.Scheme(),
		func(sk sign.PrivateKey, msg, ctx []byte, hedged bool) ([]byte, error) {
			sig := make([]byte, mldsa44.SignatureSize)
			return sig, mldsa44.SignTo(sk.(*mldsa44.PrivateKey), msg, ctx, hedged, sig)
		},
		func(pk sign.PublicKey, msg, ctx, sig []byte) bool {
			return mldsa44.Verify(pk.(*mldsa44.PublicKey), msg, ctx, sig)
		}},
	{ck.CKP_ML_DSA_65, mldsa65.Scheme(),
		func(sk sign.PrivateKey, msg, ctx []byte, hedged bool) ([]byte, error) {
			sig := make([]byte, mldsa65.SignatureSize)
			return sig, mldsa65.SignTo(sk.(*mldsa65.PrivateKey), msg, ctx, hedged, sig)
		},
		func(pk sign.PublicKey, msg, ctx, sig []byte) bool {
			return mldsa65.Verify(pk.(*mldsa65.PublicKey), msg, ctx, sig)
		}},
	{ck.CKP_ML_DSA_87, mldsa87.Scheme(),
		func(sk sign.PrivateKey, msg, ctx []byte, hedged bool) ([]byte, error) {
			sig := make([]byte, mldsa87.SignatureSize)
			return sig, mldsa87.SignTo(sk.(*mldsa87.PrivateKey), msg, ctx, hedged, sig)
		},
		func(pk sign.PublicKey, msg, ctx, sig []byte) bool {
			return mldsa87.Verify(pk.(*mldsa87.PublicKey), msg, ctx, sig)
		}},
}

// parameterSet reads a CK_ULONG CKA_PARAMETER_SET value: missing is
// CKR_TEMPLATE_INCOMPLETE, malformed CKR_ATTRIBUTE_VALUE_INVALID.
func parameterSet(v []byte, ok bool) (ck.ULong, error) {
	if !ok {
		return 0, ck.CKR_TEMPLATE_INCOMPLETE
	}
	u, err := ck.DecodeULong(v)
	if err != nil {
		return 0, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return u, nil
}

func findMLDSASet(u ck.ULong) (*mldsaSet, error) {
	for _, s := range mldsaSets {
		if ck.ULong(s.ps) == u {
			return s, nil
		}
	}
	return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
}

// decodeSignContext reads the optional CK_SIGN_ADDITIONAL_CONTEXT: no
// parameter is CKH_HEDGE_PREFERRED with an empty context.
func decodeSignContext(param any) (ck.SignAdditionalContext, error) {
	var p *ck.SignAdditionalContext
	switch v := param.(type) {
	case *ck.SignAdditionalContext:
		p = v
	case ck.SignAdditionalContext:
		p = &v
	default:
		if noParam(param) == nil {
			return ck.SignAdditionalContext{Hedge: ck.CKH_HEDGE_PREFERRED}, nil
		}
		return ck.SignAdditionalContext{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if p == nil || len(p.Context) > 255 || p.Hedge > ck.CKH_DETERMINISTIC_REQUIRED {
		return ck.SignAdditionalContext{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return *p, nil
}
