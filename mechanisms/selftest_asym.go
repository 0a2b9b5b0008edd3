package mechanisms

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"math/big"
)

// Public-key known-answer tests (selftest.go): verification only for ECDSA
// and RSA (a fixed signature checks the arithmetic at a fraction of a
// signing's cost), sign and verify for Ed25519, which is deterministic.

func init() {
	RegisterSelfTest("ECDSA", katECDSA)
	RegisterSelfTest("RSA", katRSA)
	RegisterSelfTest("Ed25519", katEd25519)
	RegisterSelfTest("X25519", katX25519)
}

// testdata/ecdsa_openssl.txt, the prime256v1 / sha256 record.
const (
	katECDSAQ   = "04d826846b4460a1debb8d5bc5ff2e7cc4acda369869e9b225b2d503a582576a329c97738abc58301aed9b2604153c25fe874e2e0f36bcc653b25c41dc3776cd1c"
	katECDSAMsg = "be4468e9c697c2a22003fce3a99f7c7e5ea2d6eb47b20475bd59f6f1741ea47d392f5115002594e0aab0b389ec5196927caff94588464060e09a7efa7bb8a76d1515f7c188c48f9d07b845316f7f575fc22e25136b7f721bc37092031038381e90a17e2d"
	katECDSASig = "3046022100b79b9f97b15058bf75b157fb2e53a593d0612e7732d9058a116f893aeceb6ea00221008b2ea1475f82138544b8ca27581dcd236c8ef9a83f21192a80b260bc91de997e"
)

func katECDSA() error {
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kh(katECDSAQ))
	if err != nil {
		return err
	}
	h := sha256.Sum256(kh(katECDSAMsg))
	if !ecdsa.VerifyASN1(pub, h[:], kh(katECDSASig)) {
		return fmt.Errorf("ECDSA P-256: good signature rejected")
	}
	h[0] ^= 1
	if ecdsa.VerifyASN1(pub, h[:], kh(katECDSASig)) {
		return fmt.Errorf("ECDSA P-256: signature of another hash accepted")
	}
	return nil
}

// testdata/rsa2048.pem's modulus (e = 65537) and the sha256 record of
// testdata/rsa_pkcs1.txt.
const (
	katRSAN   = "9ae3b93bb0b325d0e49c94f06c8238c646a60257e125781acefbae0f772c99837809b0bbfaa3909546053365dd2993bef4ded54d3edc16f71d570232180afca8cb0d90d6c354628cb699b48cbf8001cff4046a0188135d1143d96f5f1385d604cd28e7d930a3a51d47331c25573e1f4d4bddb2adfd905688e445f53848440a1af1fa26f271b0e3e596a676c81e12c46fa490bc2482919f52fcc7852b55cba2c65ede0ed5aebff4a9ee66f5b44a95eb33de214204ecc0a6c0309606c6fca435da13ef7d0b9416c2a0e0abe271b5630110410ae0fcfaf8afb9f891012a10ac38c172063fb7214c5d8b6fb4a6729c2f7823662df55280b46ce28970e77cd4f8c8d5"
	katRSAMsg = "1b20572141132962c3e0d6bbf0d1cd588859385e821ce2c0be280e313d65e5bb53abaa39257eed87588dbd6547ea61c8228884"
	katRSASig = "84d6f705235c027bfb6a38100c054765a64facbde000f6a128825728be54aad43a4e42ec24bdd9b1b32f833af19708c4f252430b62133c8b9df9dae9f1a506b13993fe5f14bd13017412c9fc50e52b07fc4c69beaac31005e28a224f22e0244e08e4ceb5032cc24defca9f4e720a91bf299a7d6c6813f68735f25fd651e1cab19f253ab1002480993f2773d508f7fef8032ba91b0120a2444f1fc11be0b9d8ce95fe9e0eca85213e878b633def04e81ff0d4a7268e6f39e79c3852fd1c3544039c95a4262ce454531017a7795d17143ef2facc80febdb8ff37f5ee509f49573f5ffa95d3838da403bc91dc6a5b01a5fbac11fa1d4fc2bff25075e03cdf4490e8"
)

func katRSA() error {
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(kh(katRSAN)), E: 65537}
	h := sha256.Sum256(kh(katRSAMsg))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], kh(katRSASig)); err != nil {
		return fmt.Errorf("RSA PKCS #1 v1.5: good signature rejected: %w", err)
	}
	return nil
}

// testdata/ed25519.txt, RFC 8032 7.1 test 1 (empty message).
const (
	katEd25519Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	katEd25519Pub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	katEd25519Sig  = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

func katEd25519() error {
	priv := ed25519.NewKeyFromSeed(kh(katEd25519Seed))
	pub := priv.Public().(ed25519.PublicKey)
	if err := katCheck("Ed25519 public key", pub, katEd25519Pub); err != nil {
		return err
	}
	sig := ed25519.Sign(priv, nil)
	if err := katCheck("Ed25519 sign", sig, katEd25519Sig); err != nil {
		return err
	}
	if !ed25519.Verify(pub, nil, sig) {
		return fmt.Errorf("Ed25519: good signature rejected")
	}
	return nil
}

// testdata/x25519.txt, RFC 7748 6.1.
const (
	katX25519Priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
	katX25519Pub  = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
	katX25519Peer = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
	katX25519Z    = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
)

func katX25519() error {
	priv, err := ecdh.X25519().NewPrivateKey(kh(katX25519Priv))
	if err != nil {
		return err
	}
	if err := katCheck("X25519 public key", priv.PublicKey().Bytes(), katX25519Pub); err != nil {
		return err
	}
	peer, err := ecdh.X25519().NewPublicKey(kh(katX25519Peer))
	if err != nil {
		return err
	}
	z, err := priv.ECDH(peer)
	if err != nil {
		return err
	}
	return katCheck("X25519 shared secret", z, katX25519Z)
}
