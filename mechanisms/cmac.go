package mechanisms

import (
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// cmacMech is CKM_AES_CMAC / CKM_DES3_CMAC (a MAC one block long) and their
// _GENERAL forms (block_mac.go); CMAC also serves the message-based MAC API
// (message_mac.go).
type cmacMech struct{ blockMAC }

func init() {
	aes := Info{MinKeySize: 16, MaxKeySize: 32}
	for _, m := range []blockMAC{
		{typ: ck.CKM_AES_CMAC, block: aesBlock, info: aes},
		{typ: ck.CKM_AES_CMAC_GENERAL, general: true, block: aesBlock, info: aes},
		{typ: ck.CKM_DES3_CMAC, block: des3Block, info: des3Info},
		{typ: ck.CKM_DES3_CMAC_GENERAL, general: true, block: des3Block, info: des3Info},
	} {
		m.newMAC = func(b cipher.Block) macState { return newCMAC(b) }
		m.defLen = func(bs int) int { return bs }
		Register(cmacMech{m})
	}
}
