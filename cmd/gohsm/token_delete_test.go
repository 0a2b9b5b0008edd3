package main

import (
	"encoding/json"
	"testing"
)

func TestTokenDelete(t *testing.T) {
	newStore(t)
	initToken(t, "keep")
	initToken(t, "gone")
	t.Setenv(envNewPassword, "alice-pass")
	gohsm(t, "user", "create", "--label", "gone", "--name", "alice").want(t, 0)
	t.Setenv(envUserPIN, "alice-pass")
	gohsm(t, "key", "generate", "--label", "gone", "--user", "alice", "--type", "aes", "--key-label", "k").want(t, 0)
	tests := []struct {
		name string
		env  string
		args []string
		code int
		msg  string
	}{
		{"no token named", "co-secret", []string{"token", "delete", "--yes"}, exitUsage, "--slot or --label"},
		{"no confirmation", "co-secret", []string{"token", "delete", "--label", "gone"}, exitError, "add --yes"},
		{"wrong password", "nope-nope", []string{"token", "delete", "--label", "gone", "--yes"}, exitError, "CKR_PIN_INCORRECT"},
		{"unknown label", "co-secret", []string{"token", "delete", "--label", "ghost", "--yes"}, exitError, `no token labelled "ghost"`},
		{"free slot", "co-secret", []string{"token", "delete", "--slot", "2", "--yes"}, exitError, "no initialised token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envCOPassword, tc.env)
			gohsm(t, tc.args...).wantErr(t, tc.code, tc.msg)
		})
	}
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "token", "delete", "--label", "gone", "--yes").want(t, 0, `Deleted token "gone" (slot 1`)
	r := gohsm(t, "token", "list", "--json")
	r.want(t, 0)
	var vs []tokenView
	if err := json.Unmarshal([]byte(r.stdout), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Label != "keep" || vs[1].Initialized {
		t.Fatalf("tokens after delete: %+v", vs)
	}
	gohsm(t, "audit", "verify").want(t, 0, "intact")
	gohsm(t, "token", "delete", "--help").want(t, 0, "Examples:")
}
