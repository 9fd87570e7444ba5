package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// overlap reports whether a key of fixed part a can equal, or be read by a
// begins_with of, a key of fixed part b: one begins the other, or one is
// unknown (nothing fixed). A prefix ends in '#'; anything else is the whole
// value.
func overlap(a, b string) bool {
	switch {
	case a == "" || b == "":
		return true
	case strings.HasSuffix(a, "#") && strings.HasPrefix(b, a), strings.HasSuffix(b, "#") && strings.HasPrefix(a, b):
		return true
	}
	return a == b
}

// TestKeys_Distinct: no two kinds of item can be read as each other, on the
// base table or on an index.
func TestKeys_Distinct(t *testing.T) {
	for i, a := range entities {
		for _, b := range entities[i+1:] {
			if a.name == b.name {
				t.Errorf("%q is listed twice", a.name)
			}
			// The base table: apart by partition, or on one partition by sort key.
			if a.pk != "" && b.pk != "" && overlap(a.pk, b.pk) {
				if a.pk != b.pk {
					t.Errorf("%s (%s…) and %s (%s…): one partition prefix begins the other", a.name, a.pk, b.name, b.pk)
				} else if overlap(a.sk, b.sk) {
					t.Errorf("%s and %s share partition %s… and their sort keys %q, %q can be read as each other", a.name, b.name, a.pk, a.sk, b.sk)
				}
			}
			// Each index: one entity per partition prefix.
			for _, ix := range [][2]string{{a.gsi1, b.gsi1}, {a.gsi2, b.gsi2}} {
				if ix[0] != "" && ix[1] != "" && overlap(ix[0], ix[1]) {
					t.Errorf("%s and %s share an index partition: %q, %q", a.name, b.name, ix[0], ix[1])
				}
			}
		}
	}
}

// TestKeys_Distinct_Fails: the check above finds the collisions it is for.
func TestKeys_Distinct_Fails(t *testing.T) {
	for _, tc := range []struct{ a, b string }{{"SUB#", "SUB#"}, {"DUE#", "DUE#fee#"}, {"PROFILE", "PROFILE"}, {"", "X"}} {
		if !overlap(tc.a, tc.b) {
			t.Errorf("overlap(%q, %q) = false", tc.a, tc.b)
		}
	}
	for _, tc := range []struct{ a, b string }{{"SUB#", "SUBMISSION#"}, {"HOLDER#", "HOLDEREMAIL#"}, {"SUBMISSION", "SUBOPEN#"}, {"PROGRAM", "PROGSTATUS#"}} {
		if overlap(tc.a, tc.b) {
			t.Errorf("overlap(%q, %q) = true", tc.a, tc.b)
		}
	}
}

// TestKeys_Documented: docs/data-model.md's Items table has a row for every
// entity, and only for them, whose cells show its keys' fixed parts.
func TestKeys_Documented(t *testing.T) {
	data, err := os.ReadFile("../../docs/data-model.md")
	if err != nil {
		t.Fatal(err)
	}
	_, items, ok := strings.Cut(string(data), "\n## Items\n")
	if !ok {
		t.Fatal("docs/data-model.md has no Items section")
	}
	items, _, _ = strings.Cut(items, "\n## ")
	rows := map[string][]string{} // entity → PK, SK, GSI cells
	for _, line := range strings.Split(items, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| entity") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) < 4 {
			t.Fatalf("row %q has %d cells", line, len(cells))
		}
		rows[cells[0]] = cells[1:4]
	}
	for _, e := range entities {
		cells, ok := rows[e.name]
		if !ok {
			t.Errorf("docs/data-model.md has no row for %q", e.name)
			continue
		}
		delete(rows, e.name)
		for _, c := range []struct{ where, cell, fixed string }{
			{"PK", cells[0], e.pk}, {"SK", cells[1], e.sk}, {"GSI keys", cells[2], e.gsi1}, {"GSI keys", cells[2], e.gsi2},
		} {
			if c.fixed != "" && !strings.Contains(c.cell, "`"+c.fixed) {
				t.Errorf("%s: the %s cell %q does not show %q", e.name, c.where, c.cell, c.fixed)
			}
		}
	}
	for name := range rows {
		t.Errorf("docs/data-model.md lists %q, which keys.go does not", name)
	}
}

// TestKeys_OnePlace: no file of the package but keys.go spells a key's fixed
// part; each builds its keys with keys.go's functions and constants.
func TestKeys_OnePlace(t *testing.T) {
	fixed := map[string]bool{}
	for _, e := range entities {
		for _, s := range []string{e.pk, e.sk, e.gsi1, e.gsi2} {
			if s != "" {
				fixed[s] = true
			}
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "keys.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for p := range fixed {
				if s == p || (strings.HasSuffix(p, "#") && strings.HasPrefix(s, p)) {
					t.Errorf("%s: %s spells the key part %q: use keys.go", fset.Position(lit.Pos()), lit.Value, p)
				}
			}
			return true
		})
	}
}
