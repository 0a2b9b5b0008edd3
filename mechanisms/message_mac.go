package mechanisms

// MessageSigner marks a MAC mechanism that also offers the message-based
// signing API of PKCS#11 3.0 (C_MessageSignInit, C_SignMessage,
// C_SignMessageBegin/Next, and the verify twins): the parameter given at
// C_MessageSignInit applies to every message, each message is one MAC
// operation (SignInit/VerifyInit), and the per-message parameter is empty.
type MessageSigner interface {
	Signer
	Verifier
	MessageMAC()
}

func (hmacMech) MessageMAC() {}
func (cmacMech) MessageMAC() {}
