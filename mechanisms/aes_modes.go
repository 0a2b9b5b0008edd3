package mechanisms

import "github.com/gohsm/gohsm/ck"

// CKM_AES_ECB, CKM_AES_CBC and CKM_AES_CBC_PAD.
func init() {
	info := Info{MinKeySize: 16, MaxKeySize: 32}
	Register(blockMode{typ: ck.CKM_AES_ECB, block: aesBlock, info: info})
	Register(blockMode{typ: ck.CKM_AES_CBC, cbc: true, block: aesBlock, info: info})
	Register(blockMode{typ: ck.CKM_AES_CBC_PAD, cbc: true, pad: true, block: aesBlock, info: info})
}
