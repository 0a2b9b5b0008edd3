package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
)

// keyStore makes a token with Crypto Users alice and bob (passwords
// alice-pass, bob-pass) and logs the next commands in as alice.
func keyStore(t *testing.T) string {
	t.Helper()
	dir := newStore(t)
	initToken(t, "keys")
	cliUser(t, "alice", "CU")
	cliUser(t, "bob", "CU")
	t.Setenv(envUserPIN, "alice-pass")
	return dir
}

func listKeys(t *testing.T, user string) []keyView {
	t.Helper()
	t.Setenv(envUserPIN, user+"-pass")
	defer t.Setenv(envUserPIN, "alice-pass")
	r := gohsm(t, "key", "list", "--user", user, "--json")
	r.want(t, 0)
	var vs []keyView
	if err := json.Unmarshal([]byte(r.stdout), &vs); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	return vs
}

func keysLabelled(vs []keyView, label string) []keyView {
	var out []keyView
	for _, v := range vs {
		if v.Label == label {
			out = append(out, v)
		}
	}
	return out
}

func TestKeyGenerateKinds(t *testing.T) {
	keyStore(t)
	tests := []struct {
		args       []string
		label, typ string
		size       int
		classes    string
	}{
		{[]string{"--type", "ec", "--curve", "P-384"}, "ec", "EC", 384, "private,public"},
		{[]string{"--type", "ec"}, "ec256", "EC", 256, "private,public"},
		{[]string{"--type", "rsa"}, "rsa", "RSA", 2048, "private,public"},
		{[]string{"--type", "ed25519"}, "ed", "EdDSA", 255, "private,public"},
		{[]string{"--type", "aes", "--bits", "128"}, "aes", "AES", 128, "secret"},
		{[]string{"--type", "generic", "--bits", "512", "--id", "0a0b"}, "hmac", "generic secret", 512, "secret"},
	}
	for _, tc := range tests {
		args := append([]string{"key", "generate", "--user", "alice", "--key-label", tc.label}, tc.args...)
		gohsm(t, args...).want(t, 0, "Generated")
	}
	all := listKeys(t, "alice")
	for _, tc := range tests {
		vs := keysLabelled(all, tc.label)
		var classes []string
		for _, v := range vs {
			classes = append(classes, v.Class)
			if v.KeyType != tc.typ || v.Size != tc.size || v.Owner != "alice" {
				t.Errorf("%s: %+v", tc.label, v)
			}
		}
		if strings.Join(classes, ",") != tc.classes && strings.Join(reverse(classes), ",") != tc.classes {
			t.Errorf("%s: classes %v, want %s", tc.label, classes, tc.classes)
		}
	}
	if vs := keysLabelled(all, "hmac"); len(vs) != 1 || vs[0].ID != "0a0b" {
		t.Errorf("hmac: %+v", vs)
	}
	// Non-extractable by default, as CloudHSM.
	r := gohsm(t, "key", "info", "--user", "alice", "--key", "aes", "--json")
	r.want(t, 0)
	var info []keyInfoView
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || len(info) != 1 {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	a := info[0].Attributes
	if a["EXTRACTABLE"] != false || a["SENSITIVE"] != true || a["NEVER_EXTRACTABLE"] != true || a["VALUE_LEN"] != float64(16) {
		t.Fatalf("aes attributes: %v", a)
	}
	if _, ok := a["VALUE"]; ok {
		t.Fatal("key info shows key material")
	}
	gohsm(t, "key", "generate", "--user", "alice", "--type", "aes", "--key-label", "x", "--extractable").want(t, 0)
	gohsm(t, "key", "info", "--user", "alice", "--key", "x").want(t, 0, "EXTRACTABLE:", "true")
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func TestKeyUsageErrors(t *testing.T) {
	keyStore(t)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no type", []string{"key", "generate", "--key-label", "a"}, exitUsage, "--type is required"},
		{"no label", []string{"key", "generate", "--type", "aes"}, exitUsage, "--key-label is required"},
		{"bad type", []string{"key", "generate", "--type", "dsa", "--key-label", "a"}, exitUsage, `--type "dsa"`},
		{"bad aes bits", []string{"key", "generate", "--type", "aes", "--bits", "100", "--key-label", "a"}, exitUsage, "128, 192 or 256"},
		{"small rsa", []string{"key", "generate", "--type", "rsa", "--bits", "1024", "--key-label", "a"}, exitUsage, "2048 to 8192"},
		{"bad curve", []string{"key", "generate", "--type", "ec", "--curve", "P-999", "--key-label", "a"}, exitUsage, "--curve"},
		{"curve for aes", []string{"key", "generate", "--type", "aes", "--curve", "P-256", "--key-label", "a"}, exitUsage, "--curve applies"},
		{"bad id", []string{"key", "generate", "--type", "aes", "--key-label", "a", "--id", "zz"}, exitUsage, "not hexadecimal"},
		{"both extractable flags", []string{"key", "generate", "--type", "aes", "--key-label", "a", "--extractable", "--no-extractable"}, exitUsage, "not both"},
		{"no key named", []string{"key", "info"}, exitUsage, "--key LABEL or --key-id"},
		{"bad key id", []string{"key", "info", "--key-id", "x"}, exitUsage, "not a number"},
		{"no such key", []string{"key", "delete", "--user", "alice", "--key", "ghost"}, exitError, `no key "ghost" visible`},
		{"nothing to set", []string{"key", "set", "--key", "a"}, exitUsage, "nothing to set"},
		{"share without --with", []string{"key", "share", "--key", "a"}, exitUsage, "--with is required"},
		{"officer is not a CU", []string{"key", "list", "--user", "admin"}, exitError, "not a Crypto User"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "officer is not a CU" {
				t.Setenv(envUserPIN, "co-secret")
			}
			gohsm(t, tc.args...).wantErr(t, tc.code, tc.msg)
		})
	}
}

func TestKeyShareAcrossUsers(t *testing.T) {
	keyStore(t)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "ec", "--key-label", "sig").want(t, 0)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "aes", "--key-label", "aes").want(t, 0)

	// bob sees neither private key, only alice's public key.
	for _, v := range listKeys(t, "bob") {
		if v.Class != "public" {
			t.Fatalf("bob sees %+v before any share", v)
		}
	}
	gohsm(t, "key", "share", "--user", "alice", "--key", "sig", "--with", "bob").want(t, 0, `Shared key "sig" (2 objects) with "bob"`)
	gohsm(t, "key", "share", "--user", "alice", "--key", "aes", "--with", "bob").want(t, 0)
	bobs := listKeys(t, "bob")
	if vs := keysLabelled(bobs, "sig"); len(vs) != 2 || vs[0].Owner != "alice" || strings.Join(vs[0].SharedWith, ",") != "bob" {
		t.Fatalf("bob's view of sig: %+v", vs)
	}
	gohsm(t, "key", "info", "--user", "alice", "--key", "sig").want(t, 0, "OWNER:", "alice", "SHARED WITH:", "bob")

	// bob uses the shared key, but cannot change, share or delete it.
	t.Setenv(envUserPIN, "bob-pass")
	dir := t.TempDir()
	msg, sig := filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
	writeFile(t, msg, "shared use")
	gohsm(t, "crypto", "sign", "--user", "bob", "--key", "sig", "-m", "ECDSA-SHA256", "--in", msg, "-o", sig).want(t, 0)
	gohsm(t, "crypto", "verify", "--user", "bob", "--key", "sig", "-m", "ECDSA-SHA256", "--in", msg, "--sig", sig).want(t, 0, "Signature OK")
	gohsm(t, "key", "delete", "--user", "bob", "--key", "aes").wantErr(t, exitError, "CKR_ACTION_PROHIBITED")
	gohsm(t, "key", "set", "--user", "bob", "--key", "aes", "--new-label", "mine").wantErr(t, exitError, "CKR_ACTION_PROHIBITED")
	gohsm(t, "key", "share", "--user", "bob", "--key", "aes", "--with", "alice").wantErr(t, exitError, "CKR_")

	// alice takes the share back: bob no longer sees or uses the key.
	t.Setenv(envUserPIN, "alice-pass")
	gohsm(t, "key", "unshare", "--user", "alice", "--key", "aes", "--with", "bob").want(t, 0, "Took back")
	if vs := keysLabelled(listKeys(t, "bob"), "aes"); len(vs) != 0 {
		t.Fatalf("bob still sees aes: %+v", vs)
	}
	t.Setenv(envUserPIN, "bob-pass")
	gohsm(t, "crypto", "encrypt", "--user", "bob", "--key", "aes", "-m", "AES-GCM", "--in", msg, "-o", sig).wantErr(t, exitError, `no key "aes" visible`)

	// alice changes and then deletes her keys.
	t.Setenv(envUserPIN, "alice-pass")
	gohsm(t, "key", "set", "--user", "alice", "--key", "aes", "--decrypt=false", "--new-label", "aes2", "--new-id", "01").want(t, 0, "Changed")
	r := gohsm(t, "key", "info", "--user", "alice", "--key", "aes2", "--json")
	r.want(t, 0)
	var info []keyInfoView
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || len(info) != 1 ||
		info[0].Attributes["DECRYPT"] != false || info[0].Attributes["ENCRYPT"] != true || info[0].Attributes["ID"] != "01" {
		t.Fatalf("after set: %v %s", err, r.stdout)
	}
	gohsm(t, "key", "set", "--user", "alice", "--key", "aes2", "--extractable").wantErr(t, exitError, "CKR_")
	gohsm(t, "key", "delete", "--user", "alice", "--key", "sig").want(t, 0, "Destroyed key \"sig\" (2 objects)")
	gohsm(t, "key", "delete", "--user", "alice", "--key", "aes2").want(t, 0)
	if vs := listKeys(t, "alice"); len(vs) != 0 {
		t.Fatalf("keys left: %+v", vs)
	}
}

func TestKeyImport(t *testing.T) {
	dir := keyStore(t)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	priv := filepath.Join(dir, "k.pem")
	writeFile(t, priv, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pub := filepath.Join(dir, "pub.pem")
	writeFile(t, pub, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})))
	enc := filepath.Join(dir, "enc.pem")
	writeFile(t, enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
	aes := filepath.Join(dir, "aes.bin")
	writeFile(t, aes, "0123456789abcdef")
	junk := filepath.Join(dir, "junk")
	writeFile(t, junk, "not a key")

	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"private needs consent", []string{"--file", priv, "--key-label", "p"}, exitError, "needs --extractable or --allow-import"},
		{"encrypted refused", []string{"--file", enc, "--key-label", "e", "--allow-import"}, exitError, "encrypted"},
		{"not PEM", []string{"--file", junk, "--key-label", "j", "--allow-import"}, exitError, "no PEM key"},
		{"bad AES length", []string{"--file", junk, "--aes", "--key-label", "j", "--extractable"}, exitError, "16, 24 or 32"},
		{"no file", []string{"--key-label", "j"}, exitUsage, "--file is required"},
		{"private allowed", []string{"--file", priv, "--key-label", "p", "--allow-import"}, exitOK, "EC P-256 private key"},
		{"public needs nothing", []string{"--file", pub, "--key-label", "pub"}, exitOK, "EC P-256 public key"},
		{"raw AES", []string{"--file", aes, "--aes", "--key-label", "aes", "--extractable"}, exitOK, "AES-128 key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := gohsm(t, append([]string{"key", "import", "--user", "alice"}, tc.args...)...)
			if tc.code == exitOK {
				r.want(t, 0, tc.out)
			} else {
				r.wantErr(t, tc.code, tc.out)
			}
		})
	}
	all := listKeys(t, "alice")
	if vs := keysLabelled(all, "p"); len(vs) != 2 {
		t.Fatalf("imported pair: %+v", vs)
	}
	r := gohsm(t, "key", "info", "--user", "alice", "--key", "p", "--json")
	if !strings.Contains(r.stdout, `"EXTRACTABLE": false`) || strings.Contains(r.stdout, `"LOCAL": true`) {
		t.Fatalf("imported key attributes: %s", r.stdout)
	}
}
