package export

import (
	"encoding/json"
	"strings"
	"testing"

	"rightsdesk/cases"
)

// TestLetterGapsSayHowToFillThem: every gap of a letter says the command
// that fixes it: the register's editor, with the field as the file shows it
// and an example, for a register fact; the case's own command, naming the
// case, for what the case lacks. The manifest, which the subject receives,
// keeps the gap without the DPO's field, example or command.
func TestLetterGapsSayHowToFillThem(t *testing.T) {
	seen := map[string]bool{}
	for _, reg := range registers(t).All() {
		open := newScenario(t, reg, cases.RightAccess, nil).do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
		open.work("app-db", cases.ResultFound, nil).do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
		for name, p := range map[string]*Packet{
			"closed":    closedScenario(t, reg, cases.RightAccess, cases.OutcomeFulfilled).build(""),
			"open-work": open.build(""),
		} {
			for _, g := range p.Gaps {
				switch {
				case g.Fix == reg.EditCommand():
					seen["register"] = true
					if g.TOML == "" || g.Example == "" {
						t.Errorf("%s %s: the register gap %q names no TOML field or no example: %+v", reg.ID, name, g.Field, g)
					}
					if line := g.Line(); !strings.Contains(line, "fill "+g.TOML) || !strings.Contains(line, "e.g. ") || !strings.Contains(line, g.Fix) {
						t.Errorf("%s %s: the line does not say where and how: %s", reg.ID, name, line)
					}
				case strings.HasPrefix(g.Fix, "rightsdesk ") && strings.Contains(g.Fix, open.c.ID):
					seen["case"] = true
					if g.Example != "" {
						t.Errorf("%s %s: a case gap with a register example: %+v", reg.ID, name, g)
					}
				default:
					t.Errorf("%s %s: gap %q says no command that fixes it: %+v", reg.ID, name, g.Field, g)
				}
			}
			var m struct {
				Gaps []map[string]any `json:"gaps"`
			}
			if err := json.Unmarshal(unzip(t, p)["manifest.json"], &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Gaps) != len(p.Gaps) {
				t.Errorf("%s %s: the manifest lists %d gaps of %d", reg.ID, name, len(m.Gaps), len(p.Gaps))
			}
			for _, g := range m.Gaps {
				for _, k := range []string{"toml", "example", "fix"} {
					if _, ok := g[k]; ok {
						t.Errorf("%s %s: the manifest's gap has the DPO's %s: %v", reg.ID, name, k, g)
					}
				}
			}
		}
	}
	if !seen["register"] || !seen["case"] {
		t.Errorf("the scenarios no longer have both a register gap and a case gap: %v", seen)
	}
}
