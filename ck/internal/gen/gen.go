// Package gen reads the constant declarations of package ck from its Go
// source and writes names.go, the String methods that give each value its
// PKCS#11 name. The Go source is the single source of truth: a name added to
// v3.go gets its String entry on the next `go generate ./ck`.
package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Output is the file the generator writes; it is never read as input.
const Output = "names.go"

// Const is one typed constant of package ck.
type Const struct {
	Name       string
	Type       string // the ck type name, e.g. "RV"
	Value      uint64
	Deprecated bool // its comment says "Deprecated:"
	Pos        string
}

// Package is what the generator knows about package ck.
type Package struct {
	Consts []Const // in declaration order (files sorted by name)
	// Types are the named types declared in the package, with whether a
	// String method is already written by hand.
	Types map[string]bool
}

// Parse reads the non-test Go files of dir except Output.
func Parse(dir string) (*Package, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	p := &Package{Types: map[string]bool{}}
	vals := map[string]constant.Value{}
	var methods []string
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") || base == Output {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == "String" && len(d.Recv.List) == 1 {
					if id, ok := d.Recv.List[0].Type.(*ast.Ident); ok {
						methods = append(methods, id.Name)
					}
				}
			case *ast.GenDecl:
				switch d.Tok {
				case token.TYPE:
					for _, s := range d.Specs {
						ts := s.(*ast.TypeSpec)
						if ts.Assign == 0 { // aliases such as ULong are not kinds
							p.Types[ts.Name.Name] = false
						}
					}
				case token.CONST:
					cs, err := constDecl(fset, d, vals)
					if err != nil {
						return nil, err
					}
					p.Consts = append(p.Consts, cs...)
				}
			}
		}
	}
	for _, m := range methods {
		if _, ok := p.Types[m]; ok {
			p.Types[m] = true
		}
	}
	return p, nil
}

// constDecl evaluates one const block. Every spec must name its type (or be
// untyped) and give its value: iota and implicit repetition are refused so
// that no value is ever guessed.
func constDecl(fset *token.FileSet, d *ast.GenDecl, vals map[string]constant.Value) ([]Const, error) {
	var out []Const
	for _, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		pos := fset.Position(vs.Pos()).String()
		if len(vs.Values) != len(vs.Names) {
			return nil, fmt.Errorf("%s: every constant needs an explicit value", pos)
		}
		typ := ""
		if id, ok := vs.Type.(*ast.Ident); ok {
			typ = id.Name
		} else if vs.Type != nil {
			return nil, fmt.Errorf("%s: unsupported constant type", pos)
		}
		dep := deprecated(vs.Doc) || deprecated(vs.Comment)
		for i, n := range vs.Names {
			v, err := eval(vs.Values[i], vals)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", pos, n.Name, err)
			}
			if _, dup := vals[n.Name]; dup {
				return nil, fmt.Errorf("%s: %s declared twice", pos, n.Name)
			}
			vals[n.Name] = v
			if typ == "" || v.Kind() != constant.Int {
				continue // untyped helpers are not PKCS#11 kinds
			}
			u, ok := constant.Uint64Val(v)
			if !ok {
				return nil, fmt.Errorf("%s: %s does not fit a CK_ULONG", pos, n.Name)
			}
			out = append(out, Const{Name: n.Name, Type: typ, Value: u, Deprecated: dep, Pos: pos})
		}
	}
	return out, nil
}

func deprecated(cg *ast.CommentGroup) bool {
	return cg != nil && strings.Contains(cg.Text(), "Deprecated:")
}

// eval computes the small constant expressions the ck files use: literals,
// earlier names, parentheses, conversions to a ck type and integer operators.
func eval(e ast.Expr, vals map[string]constant.Value) (constant.Value, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(e.Value, e.Kind, 0)
		if v.Kind() == constant.Unknown {
			return nil, fmt.Errorf("bad literal %s", e.Value)
		}
		return v, nil
	case *ast.Ident:
		if v, ok := vals[e.Name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("unknown name %s (declare it earlier)", e.Name)
	case *ast.ParenExpr:
		return eval(e.X, vals)
	case *ast.CallExpr: // a conversion such as ULong(0)
		if len(e.Args) != 1 {
			return nil, fmt.Errorf("unsupported call")
		}
		return eval(e.Args[0], vals)
	case *ast.UnaryExpr:
		x, err := eval(e.X, vals)
		if err != nil {
			return nil, err
		}
		if e.Op == token.XOR { // ^x on a CK_ULONG
			return constant.UnaryOp(token.XOR, x, 64), nil
		}
		return constant.UnaryOp(e.Op, x, 0), nil
	case *ast.BinaryExpr:
		x, err := eval(e.X, vals)
		if err != nil {
			return nil, err
		}
		y, err := eval(e.Y, vals)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case token.SHL, token.SHR:
			s, ok := constant.Uint64Val(y)
			if !ok {
				return nil, fmt.Errorf("bad shift")
			}
			return constant.Shift(x, e.Op, uint(s)), nil
		case token.ADD, token.SUB, token.MUL, token.OR, token.AND, token.XOR, token.AND_NOT:
			return constant.BinaryOp(x, e.Op, y), nil
		}
	}
	return nil, fmt.Errorf("unsupported expression %T", e)
}

// noString lists kinds whose values are not names of one thing: Flags mixes
// many bit namespaces, and handles and counts are plain numbers.
var noString = map[string]bool{
	"Flags": true, "SlotID": true, "SessionHandle": true, "ObjectHandle": true,
}

// Canonical returns, per kind, the name of each value: the first declared
// name that is not deprecated, else the first declared name.
func (p *Package) Canonical() map[string]map[uint64]string {
	out := map[string]map[uint64]string{}
	dep := map[string]bool{}
	for _, c := range p.Consts {
		dep[c.Name] = c.Deprecated
		if hand, ok := p.Types[c.Type]; !ok || hand || noString[c.Type] {
			continue
		}
		m := out[c.Type]
		if m == nil {
			m = map[uint64]string{}
			out[c.Type] = m
		}
		if cur, seen := m[c.Value]; !seen || (dep[cur] && !c.Deprecated) {
			m[c.Value] = c.Name
		}
	}
	return out
}

// Generate returns the formatted text of names.go for the package in dir.
func Generate(dir string) ([]byte, error) {
	p, err := Parse(dir)
	if err != nil {
		return nil, err
	}
	names := p.Canonical()
	kinds := make([]string, 0, len(names))
	for k := range names {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)

	var b bytes.Buffer
	b.WriteString("// Code generated by ck/internal/gen from the constants of package ck; DO NOT EDIT.\n\n")
	b.WriteString("package ck\n\nimport \"fmt\"\n")
	for _, k := range kinds {
		m := names[k]
		vs := make([]uint64, 0, len(m))
		for v := range m {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		table := lowerFirst(k) + "Names"
		fmt.Fprintf(&b, "\nvar %s = map[%s]string{\n", table, k)
		for _, v := range vs {
			fmt.Fprintf(&b, "\t%#x: %q,\n", v, m[v])
		}
		b.WriteString("}\n")
		fmt.Fprintf(&b, "\n// String returns the PKCS#11 name of v, or %s(0x…) for an unknown value.\n", k)
		fmt.Fprintf(&b, "func (v %s) String() string {\n\tif n, ok := %s[v]; ok {\n\t\treturn n\n\t}\n", k, table)
		fmt.Fprintf(&b, "\treturn fmt.Sprintf(\"%s(%%#x)\", uint64(v))\n}\n", k)
	}
	return format.Source(b.Bytes())
}

// lowerFirst makes an unexported identifier from a type name: RV -> rv,
// EC_KDF -> ec_KDF, MGF -> mgf, KeyType -> keyType.
func lowerFirst(s string) string {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	switch {
	case i == len(s):
		return strings.ToLower(s)
	case i > 1 && s[i] >= 'a' && s[i] <= 'z': // "RVType" -> "rvType"
		return strings.ToLower(s[:i-1]) + s[i-1:]
	}
	return strings.ToLower(s[:i]) + s[i:]
}

// Write regenerates dir/names.go.
func Write(dir string) error {
	src, err := Generate(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, Output), src, 0o644)
}
