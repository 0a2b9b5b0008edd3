package bench

import (
	"bytes"
	"fmt"

	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/sqlite"
)

// bulkGohsm adds n copies of the object labelled like to the token labelled
// token in gohsm's store in dir, 10,000 per transaction. The module must be
// finalized: two SQLite libraries in one process must not share a file.
func bulkGohsm(dir, token, like string, n int) error {
	if n <= 0 {
		return nil
	}
	d, err := sqlite.OpenWith(dir, sqlite.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	toks, err := d.Tokens()
	if err != nil {
		return err
	}
	var tok *store.Token
	for i := range toks {
		if string(bytes.TrimRight([]byte(toks[i].Label), " ")) == token {
			tok = &toks[i]
		}
	}
	if tok == nil {
		return fmt.Errorf("no token %q in %s", token, dir)
	}
	ids, err := d.FindObjects(store.Query{TokenID: tok.ID, Label: []byte(like)})
	if err != nil || len(ids) != 1 {
		return fmt.Errorf("template object %q: %d found, %v", like, len(ids), err)
	}
	tmpl, err := d.Object(tok.ID, ids[0], nil)
	if err != nil {
		return err
	}
	if len(tmpl.Secret) > 0 {
		return fmt.Errorf("template object %q has sealed attributes: cannot copy it without a login", like)
	}
	const batch = 10000
	for done := 0; done < n; {
		k := min(batch, n-done)
		objs := make([]*store.Object, k)
		for i := range objs {
			objs[i] = &store.Object{
				TokenID: tok.ID, Owner: tmpl.Owner, Class: tmpl.Class, KeyType: tmpl.KeyType,
				CKAID: tmpl.CKAID, Label: []byte(fmt.Sprintf("obj-%07d", done+i+1)), Private: tmpl.Private,
				Public: tmpl.Public,
			}
		}
		if err := d.CreateObjects(objs, nil); err != nil {
			return err
		}
		done += k
	}
	return nil
}
