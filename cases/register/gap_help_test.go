package register

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestGapsSayHowToFillThem checks, for every gap of the five built-in
// registers, that it names the field as the file shows it and gives an
// example, and that writing the example where it says fills the gap: the
// register still validates and the gap is gone.
func TestGapsSayHowToFillThem(t *testing.T) {
	regs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range regs.All() {
		for _, g := range r.Gaps() {
			kinds[g.Kind] = true
			t.Run(r.ID+"/"+g.Kind+"/"+g.Field, func(t *testing.T) {
				if g.TOML == "" || g.Example == "" {
					t.Fatalf("gap %+v names no TOML field or no example", g)
				}
				checkPlainlyExample(t, g)
				fixed := applyExample(t, r, g)
				for _, h := range fixed.Gaps() {
					if h.Field == g.Field && h.Kind == g.Kind {
						t.Errorf("after writing the example at %s, the gap is still there: %s", g.TOML, h.Text)
					}
				}
			})
		}
	}
	// Every kind of gap the registers have is covered above: each kind of
	// the rules' computed flags and every finding kind the files record.
	for _, k := range []string{"missing", "placeholder", "retention-period", "invalid-transfer-mechanism",
		"postal-route", "unverified", "inconsistency"} {
		if !kinds[k] {
			t.Errorf("no built-in register has a gap of kind %s: the table no longer covers it", k)
		}
	}
}

// freeText are the facts whose example could pass for an organisation's
// own fact (a name, an address, a contact): their example says example.
var freeText = regexp.MustCompile(`^(legal_name|name|address|privacy_contact|dpo_contact|web|value) = `)

func checkPlainlyExample(t *testing.T, g Gap) {
	t.Helper()
	for _, line := range strings.Split(g.Example, "\n") {
		if freeText.MatchString(line) && !strings.Contains(strings.ToLower(line), "example") &&
			!strings.Contains(line, "Standard Contractual Clauses") && !strings.Contains(line, "the subject and") {
			t.Errorf("example %q could pass for the organisation's fact: use an example value", line)
		}
	}
}

// applyExample writes g's example into a copy of the register's file where
// g.TOML says and parses the result.
func applyExample(t *testing.T, r *Register, g Gap) *Register {
	t.Helper()
	var file map[string]any
	if _, err := toml.Decode(string(r.Source()), &file); err != nil {
		t.Fatal(err)
	}
	var example map[string]any
	if _, err := toml.Decode(g.Example, &example); err != nil {
		t.Fatalf("example %q is not TOML: %v", g.Example, err)
	}
	segs, ok := r.parseField(g.Field)
	if !ok {
		t.Fatalf("field %q does not parse", g.Field)
	}
	first := segs[0]
	switch {
	case len(segs) == 1 && first.key == "findings":
		file["findings"] = slices.Delete(file["findings"].([]map[string]any), first.index, first.index+1)
	case len(segs) == 1 && listKinds[first.key]:
		entry := example[first.key].([]map[string]any)[0]
		list, _ := file[first.key].([]map[string]any)
		if first.index >= 0 {
			list[first.index] = entry
		} else {
			list = append(list, entry)
		}
		file[first.key] = list
	default:
		parent := file
		switch {
		case first.index >= 0:
			parent = file[first.key].([]map[string]any)[first.index]
		case len(segs) > 1:
			parent = file[first.key].(map[string]any)
		}
		for k, v := range example {
			parent[k] = v
		}
	}
	var out bytes.Buffer
	if err := toml.NewEncoder(&out).Encode(file); err != nil {
		t.Fatal(err)
	}
	fixed, err := ParseRegister(r.ID+".toml", out.Bytes())
	if err != nil {
		t.Fatalf("the register with the example of %s does not validate: %v", g.TOML, err)
	}
	return fixed
}

// TestHelpOfLetterFields checks the fields a letter's gaps name (systems by
// id, whole lists) get a place in the file and an example too.
func TestHelpOfLetterFields(t *testing.T) {
	regs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	r, err := regs.Get("crisp")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ field, toml, exampleHas string }{
		{"systems.core.retention", `[[systems]] "core": retention`, `retention = "`},
		{"systems.core.categories", `[[systems]] "core": categories`, `categories = ["`},
		{"case_files.keep_record_years", `[case_files] keep_record_years`, `keep_record_years = { value = 3`},
		{"sources", `[[sources]] (a new entry)`, `[[sources]]`},
		{"recipients[0].safeguard", `[[recipients]] 1: safeguard`, `safeguard = { value = "Standard Contractual Clauses`},
		{"clock.regime", `[clock] regime`, `regime = { value = "eu-gdpr"`},
	} {
		h := r.Help(tc.field)
		if h.TOML != tc.toml || !strings.Contains(h.Example, tc.exampleHas) {
			t.Errorf("Help(%q) = %+v, want TOML %q and an example with %q", tc.field, h, tc.toml, tc.exampleHas)
		}
	}
	if h := r.Help("case"); h.Example != "" {
		t.Errorf("Help(case) = %+v: the case is no register field", h)
	}
}
