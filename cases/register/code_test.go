package register

import (
	"strings"
	"testing"
)

// TestTheCodeOfCaseIDs: a register's code, or its ID in capitals; a code
// that is not one to twelve capital letters or digits is refused on its
// line.
func TestTheCodeOfCaseIDs(t *testing.T) {
	reg, err := withApproval(t, `code = "CRX2"`)
	if err != nil {
		t.Fatal(err)
	}
	if reg.CaseCode() != "CRX2" {
		t.Fatalf("code %q", reg.CaseCode())
	}
	if plain, err := withApproval(t, ""); err != nil || plain.CaseCode() != "CALLRIX" {
		t.Fatalf("default code: %v", err)
	}
	for _, line := range []string{`code = "crx"`, `code = "CR-X"`, `code = "ABCDEFGHIJKLM"`, `code = "CRX "`} {
		if _, err := withApproval(t, line); err == nil || !strings.HasPrefix(err.Error(), "callrix.toml:7: code: ") {
			t.Errorf("%s: %v", line, err)
		}
	}
	for id, want := range map[string]string{"crisp": "CRISP", "crm-software-europe": "CRMSOFTWAREE", "--": "X", "x9": "X9"} {
		if got := DefaultCode(id); got != want || !codePattern().MatchString(got) {
			t.Errorf("DefaultCode(%q) = %q, want %q", id, got, want)
		}
	}
	if h := reg.Help("code"); h.TOML != "code" || !strings.HasPrefix(h.Example, `code = "CRX2"`) {
		t.Fatalf("help %+v", h)
	}
}
