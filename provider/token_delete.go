package provider

// token_delete.go: removing a token (gohsm token delete). PKCS#11 has no call
// for it; C_InitToken only re-initialises. The token's audit chain stays.

import (
	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// DeleteToken removes the initialised token in slot id with its users,
// objects, shares and quorum state. soPIN is a Crypto Officer's password,
// "name:password" or bare for the default officer, checked (and counted on
// failure) as C_InitToken checks it. A session open on the token in this
// process is CKR_SESSION_EXISTS; the free slot is CKR_TOKEN_NOT_RECOGNIZED.
// Other processes see the slot vanish at their next C_GetSlotList.
func (m *Module) DeleteToken(id ck.SlotID, soPIN []byte) (err error) {
	v, err := m.slots()
	if err != nil {
		return err
	}
	t, free, err := v.token(id)
	if err != nil {
		return err
	}
	if free {
		return ck.CKR_TOKEN_NOT_RECOGNIZED
	}
	user := m.loginName(t.ID, store.RoleCO, soPIN, nil)
	defer func() {
		m.auditEvent(audit.Event{TokenID: t.ID, Serial: t.Serial, User: user, Role: store.RoleCO,
			Op: "token delete", Target: "label " + t.Label, Result: err})
	}()
	if n, _ := m.sessionCounts(t.ID); n > 0 {
		return ck.CKR_SESSION_EXISTS
	}
	co, pw, err := m.resolveUser(t, store.RoleCO, soPIN, nil)
	if err != nil {
		return err
	}
	mk, err := m.checkPIN(co, pw)
	if err != nil {
		return err
	}
	seal.Wipe(mk)
	if err := m.store.DeleteToken(t.ID); err != nil {
		return m.storeErr(err)
	}
	m.tokenState(t).logout()
	m.mu.Lock()
	delete(m.tokens, t.ID)
	m.mu.Unlock()
	m.log.WithField("slot", id).Info("gohsm: token deleted")
	return nil
}
