package export

import (
	"archive/zip"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

var update = flag.Bool("update", false, "rewrite the golden letters in testdata/golden")

// unzip reads a packet's files by their path inside its folder.
func unzip(t testing.TB, p *Packet) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(p.Zip), int64(len(p.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	folder := strings.TrimSuffix(p.Name, ".zip") + "/"
	out := map[string][]byte{}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, folder) {
			t.Fatalf("%s is outside the folder %s", f.Name, folder)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(f.Name, folder)] = data
	}
	return out
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	path = filepath.Join("testdata", "golden", path)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./export -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run with -update and review the diff\n--- got:\n%s", path, got)
	}
}

// stepScenarios are the letters before the final one, each at its step.
var stepScenarios = map[cases.LetterKind]func(t testing.TB, reg *register.Register) *scenario{
	cases.LetterAcknowledgement: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightAccess, nil)
	},
	cases.LetterIdentityRequest: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightErasure, nil).
			do(cases.Event{Kind: cases.EventIDRequested, Reason: "The request came from an address that is not the one of the account.",
				Needs: []string{"a reply from the e-mail address of your account", "the date of your last invoice"}})
	},
	cases.LetterClarificationRequest: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightAccess, nil).
			do(cases.Event{Kind: cases.EventClarificationRequested, Reason: "Please tell us which of your two accounts the request concerns."})
	},
	cases.LetterFeeRequest: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightAccess, nil).
			do(cases.Event{Kind: cases.EventFeeRequested, Amount: "EUR 25"})
	},
	cases.LetterExtensionNotice: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightPortability, nil).do(cases.Event{Kind: cases.EventAcknowledged}).
			do(cases.Event{Kind: cases.EventExtensionDecided, Reason: "Your data are spread over five systems, two of them archived."})
	},
	cases.LetterRedirect: func(t testing.TB, reg *register.Register) *scenario {
		s := newScenario(t, reg, cases.RightAccess, nil)
		for _, item := range []string{"app-db", "payments", "mailboxes"} {
			s.work(item, cases.ResultForCustomer, func(e *cases.Event) { e.Customer = "Example Telecom SA" })
		}
		return s.do(cases.Event{Kind: cases.EventForwarded, Customer: "Example Telecom SA"}).
			do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRedirected, RedirectTo: "Example Telecom SA, privacy@telecom.example"})
	},
	cases.LetterLapse: func(t testing.TB, reg *register.Register) *scenario {
		return newScenario(t, reg, cases.RightAccess, nil).
			do(cases.Event{Kind: cases.EventClarificationRequested, Reason: "which account"}).
			do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeLapsed})
	},
}

// goldenOrganisations: one whose register is complete enough to sign
// (Callrix names its legal entity) and one whose letters are drafts
// (CrystalQore names none).
var goldenOrganisations = []string{"callrix", "crystalqore"}

func TestGoldenLetters(t *testing.T) {
	rs := registers(t)
	for _, org := range goldenOrganisations {
		reg, err := rs.Get(org)
		if err != nil {
			t.Fatal(err)
		}
		for kind, build := range stepScenarios {
			t.Run(org+"/"+string(kind), func(t *testing.T) {
				s := build(t, reg)
				if got := cases.DefaultLetter(s.c, mustDerive(t, s.c)); got != kind {
					t.Fatalf("the scenario's default letter is %s, not %s", got, kind)
				}
				p := s.build("")
				golden(t, filepath.Join(org, string(kind)+".md"), unzip(t, p)["letter.md"])
			})
		}
		for _, right := range cases.Rights {
			for _, outcome := range finalOutcomes {
				if right == cases.RightComplaint && outcome == cases.OutcomeNoData {
					continue // close refuses it (PACKETS.md)
				}
				t.Run(org+"/final-"+string(right)+"-"+string(outcome), func(t *testing.T) {
					p := closedScenario(t, reg, right, outcome).build("")
					if p.Letter != cases.LetterFinal {
						t.Fatalf("letter %s", p.Letter)
					}
					golden(t, filepath.Join(org, "final-"+string(right)+"-"+string(outcome)+".md"), unzip(t, p)["letter.md"])
				})
			}
		}
	}
}

func mustDerive(t testing.TB, c *cases.Case) *cases.State {
	st, err := withoutExports(c).Derive(received.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
