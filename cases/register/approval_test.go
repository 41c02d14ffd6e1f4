package register

import (
	"strings"
	"testing"

	"rightsdesk/cases"
)

// withApproval is Callrix's built-in register with a top-level approval
// line after its version.
func withApproval(t *testing.T, line string) (*Register, error) {
	t.Helper()
	rs, err := LoadRegisters(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := rs.Get("callrix")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(reg.Source()), "\nversion = 1\n", "\nversion = 1\n"+line+"\n", 1)
	return ParseRegister("callrix.toml", []byte(src))
}

func TestApprovalConditions(t *testing.T) {
	reg, err := withApproval(t, `approval = ["refusal", "discretionary"]`)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := reg.Rules("")
	if err != nil {
		t.Fatal(err)
	}
	want := []cases.ApprovalCondition{cases.ApprovalRefusal, cases.ApprovalDiscretionary}
	if cases.ConditionsOf(rules.Approval) != cases.ConditionsOf(want) || len(rules.Approval) != 2 {
		t.Fatalf("frozen %v, want %v", rules.Approval, want)
	}
	ev := cases.Event{Kind: cases.EventSent}
	if err := reg.Complete(&ev, ""); err != nil || len(ev.Approval) != 2 {
		t.Fatalf("a letter sent reads the register's conditions: %v %v", ev.Approval, err)
	}
	// Without the line: none (personal mode).
	plain, err := withApproval(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := plain.Rules(""); len(r.Approval) != 0 {
		t.Fatalf("default %v, want none", r.Approval)
	}
	for line, want := range map[string]string{
		`approval = ["refusal", "everything"]`: `callrix.toml:7: approval: approval[1]: unknown approval condition "everything"`,
		`approval = ["final", "final"]`:        `callrix.toml:7: approval: "final" is named twice`,
	} {
		if _, err := withApproval(t, line); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %s", line, err, want)
		}
	}
}
