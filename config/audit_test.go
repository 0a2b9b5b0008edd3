package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditKeyUse(t *testing.T) {
	t.Setenv("GOHSM_DIR", t.TempDir())
	if Default().Audit.KeyUse {
		t.Fatal("key_use must be off by default")
	}
	cases := []struct {
		body    string
		want    bool
		wantErr string
	}{
		{"", false, ""},
		{"[audit]\nkey_use = true\n", true, ""},
		{"[audit]\nkey_use = false\n", false, ""},
		{"[audit]\nkey_use = \"yes\"\n", false, "key_use"},
		{"[audit]\nkeyuse = true\n", false, "unknown key"},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "gohsm.toml")
		if err := os.WriteFile(p, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadFile(p, true)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%q: error %v, want one naming %q", c.body, err, c.wantErr)
		case c.wantErr == "" && err != nil:
			t.Errorf("%q: %v", c.body, err)
		case c.wantErr == "" && cfg.Audit.KeyUse != c.want:
			t.Errorf("%q: key_use %v, want %v", c.body, cfg.Audit.KeyUse, c.want)
		}
	}
}
