package register

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMarkDPOAndDiff: a value changed on a fact of its own becomes the
// DPO's, with who and when; one inside a list item whose provenance is the
// item's is named instead; Diff lists both, fact by fact.
func TestMarkDPOAndDiff(t *testing.T) {
	rs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	crisp, _ := rs.Get("crisp")
	src := string(crisp.Source())
	system := `name = "our core infrastructure in Amsterdam, where the data of Crisp's users are stored"`
	if !strings.Contains(src, system) {
		t.Fatal("the Crisp register changed: pick another system name")
	}
	edited := strings.Replace(src, system, `name = "our core infrastructure in Paris"`, 1)
	lines := strings.Split(edited, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "legal_name = ") {
			lines[i] = `legal_name = { value = "Crisp IM SAS", source = "seed", section = "1. Collection and processing of personal data" }`
		}
	}
	edited = strings.Join(lines, "\n")
	marked, unmarked, err := MarkDPO(crisp, []byte(edited), "anna", time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nlegal_name = { value = \"Crisp IM SAS\", source = \"dpo\", note = \"set by anna on 2026-03-10\" }\n"; !strings.Contains(string(marked), want) {
		t.Errorf("legal_name not marked:\n%.600s", marked)
	}
	if !slices.Equal(unmarked, []string{"systems[0].name"}) {
		t.Errorf("unmarked %v, want the system's name", unmarked)
	}
	after, err := ParseRegister("crisp.toml", marked)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, c := range Diff(crisp, after) {
		fields = append(fields, c.Field+": "+c.Old+" -> "+c.New+" ["+string(c.NewSource)+"]")
	}
	want := []string{"legal_name: (missing) -> Crisp IM SAS [dpo]",
		"systems[0].name: our core infrastructure in Amsterdam, where the data of Crisp's users are stored -> our core infrastructure in Paris [seed]"}
	if !slices.Equal(fields, want) {
		t.Errorf("diff:\n%s\nwant\n%s", strings.Join(fields, "\n"), strings.Join(want, "\n"))
	}
}
