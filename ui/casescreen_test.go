package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rightsdesk/cases"
	"rightsdesk/cases/demo"
	"rightsdesk/storage"
)

// TestCaseScreensSayItInWords opens every case of a small demo at 80x24
// with the embedded registers (whose assumptions reach the working): no
// line is wider than the window before it is fitted (nothing is cut off),
// none cites the design documents or a rule's number, no ground is a bare
// slug, no count says "1 days", and every time carries its zone.
func TestCaseScreensSayItInWords(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	regs := registers(t)
	reqs, err := demo.Generate(demo.Options{Cases: 60, Seed: 1, Now: now, Registers: regs.All()})
	if err != nil {
		t.Fatal(err)
	}
	s := initialised(t, t.TempDir()+"/demo.db", storage.Options{})
	if err := s.AddRequests(reqs, now, 100); err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: s, Clock: &clock{t: now}, Actor: "anna", Registers: regs})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	bareGround := regexp.MustCompile(`\bart\d+-\d+-[a-e]\b(?: \(|\))?`)
	timeWithoutZone := regexp.MustCompile(`\b\d{1,2}:\d{2}\b(?::\d{2})?(?: [A-Z+-][A-Za-z0-9]+)?`)
	pauses := 0
	for _, row := range m.queue.snap.summaries() {
		m.moveTo(row.ID)
		m = drive(t, m, keyPress("enter"))
		if m.screen != screenCase {
			t.Fatalf("%s does not open:\n%s", row.ID, frame(m))
		}
		lines, _ := m.kase.detail.lines(m.caseLook())
		lines = append(lines, m.kase.detail.header(m.caseLook())...)
		for _, l := range lines {
			l = ansi.Strip(l)
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s: a line of %d cells: %q", row.ID, w, l)
			}
			for _, never := range []string{"DEADLINES.md", "R5", "R4", "WORK.md", "1 days", "1 lines"} {
				if strings.Contains(l, never) {
					t.Errorf("%s: %q says %q", row.ID, l, never)
				}
			}
			for _, g := range bareGround.FindAllString(l, -1) {
				if !strings.HasSuffix(g, " (") {
					t.Errorf("%s: a ground without its meaning in %q", row.ID, l)
				}
			}
			for _, at := range timeWithoutZone.FindAllString(l, -1) {
				if !strings.Contains(at, " ") {
					t.Errorf("%s: a time without its zone in %q", row.ID, l)
				}
			}
			if strings.Contains(l, "the clock pauses while we wait") {
				pauses++
			}
		}
		m = drive(t, m, keyPress("esc"))
	}
	if pauses == 0 {
		t.Error("no case's working says the pause rule in words")
	}
}

// TestIdentifiersAndContactsMaskedUntilReveal: the identifiers typed at
// intake are on the case screen, neutralised; the e-mail address, phone and
// postal address are masked until r, which shows them whole, wrapped within
// 80 columns at spaces, and is logged; r again masks them.
func TestIdentifiersAndContactsMaskedUntilReveal(t *testing.T) {
	s, c, _ := fixture(t)
	address := "Appartement 12, bâtiment B, résidence des Lilas, 128 boulevard de la République, 75011 Paris, France"
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Léo Marchand", Email: "leo.marchand@example.org", Phone: "+33 1 99 00 12 34",
			PostalAddress: address, Identifiers: map[string]string{"customer": "C-1042", "account": "acc\x1b[2J-77"}},
		ReceivedAt: c.t.Add(-48 * time.Hour)}, paris, c.t, "anna")
	if err != nil {
		t.Fatal(err)
	}
	id := cs[0].ID
	m := New(Options{Store: s, Clock: c, Actor: "anna"})
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, m, m.loadQueue("")())
	m.moveTo(id)
	m = drive(t, m, keyPress("enter"))
	text := screenText(caseText(m))
	for _, want := range []string{
		"identifiers          account=acc^[[2J-77; customer=C-1042",
		"e-mail               l***@example.org (r reveals)",
		"phone                +33 … 34\n",
		"address              …, France\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("before r, the case screen lacks %q:\n%s", want, text)
		}
	}
	for _, never := range []string{"République", "12 34", "leo.marchand@"} {
		if strings.Contains(text, never) {
			t.Errorf("%q shows before r:\n%s", never, text)
		}
	}
	m = drive(t, m, keyPress("r"))
	text = screenText(caseText(m))
	for _, want := range []string{
		"e-mail               leo.marchand@example.org\n",
		"phone                +33 1 99 00 12 34\n",
		"address              Appartement 12, bâtiment B, résidence des Lilas, 128\n" +
			"                     boulevard de la République, 75011 Paris, France\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("after r, the case screen lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(frame(m), "\n") {
		if ansi.StringWidth(strings.TrimRight(l, " ")) > 80 || strings.Contains(l, "…") && strings.Contains(l, "address") {
			t.Errorf("a revealed line is cut off: %q", l)
		}
	}
	if log, _ := s.AccessLog(id); len(log) != 2 || log[1].What != "revealed contact details" {
		t.Fatalf("the reveal is logged: %+v", log)
	}
	m = drive(t, m, keyPress("r"))
	if text = ansi.Strip(caseText(m)); strings.Contains(text, "République") || !strings.Contains(text, "…, France") {
		t.Errorf("r again masks them:\n%s", text)
	}
	m = drive(t, m, keyPress("r"))
	m = drive(t, m, keyPress("esc"))
	m = drive(t, m, keyPress("enter"))
	if text = ansi.Strip(caseText(m)); strings.Contains(text, "République") {
		t.Errorf("leaving the case masks them again:\n%s", text)
	}
}

func TestMasks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"+33 1 99 00 12 34", "+33 … 34"},
		{"+357 99 123 456", "+357 … 56"},
		{"06 12 34 56 78", "… 78"},
		{"112", "…"},
	} {
		if got := maskPhone(c.in); got != c.want {
			t.Errorf("maskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"12 rue de l'Exemple, 75999 Paris", "…, 75999 Paris"},
		{"Voorbeeldstraat 12\n1000 Brussel", "…, 1000 Brussel"},
		{"Postbus 12", "…"},
	} {
		if got := maskAddress(c.in); got != c.want {
			t.Errorf("maskAddress(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWrapBreaksAtSpacesOnly: a line is broken at spaces, never at a
// hyphen or inside a word (a case ID, a date, a phone number's digits, a
// ground); a path too long for a line is broken after a "/", and a token
// with none where the line ends.
func TestWrapBreaksAtSpacesOnly(t *testing.T) {
	for _, c := range []struct {
		in          string
		width, hang int
		want        []string
	}{
		{"  - kept on art17-3-b (a legal obligation) for DSR-2026-000153 until 2026-12-31", 30, 4, []string{
			"  - kept on art17-3-b (a legal",
			"    obligation) for",
			"    DSR-2026-000153 until",
			"    2026-12-31"}},
		{"packet written to /home/dpo/.local/share/rightsdesk/packets/DSR-2026-000153/final-access.zip", 40, 2, []string{
			"packet written to /home/dpo/.local/",
			"  share/rightsdesk/packets/",
			"  DSR-2026-000153/final-access.zip"}},
		{"sha256 0a422acfad9243f1606867aa90e01b0057a73633", 20, 0, []string{
			"sha256",
			"0a422acfad9243f16068",
			"67aa90e01b0057a73633"}},
	} {
		got := wrapHang(c.in, c.width, c.hang)
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("wrapHang(%q, %d):\n%s\nwant\n%s", c.in, c.width, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
		for _, l := range got {
			if ansi.StringWidth(l) > c.width {
				t.Errorf("%q is wider than %d", l, c.width)
			}
		}
	}
	// A styled label keeps its style on its line; a phone number and a
	// time with its zone are kept whole.
	label := DefaultStyles().Label.Render("phone")
	got := wrapHang(label+" +33 1 99 00 12 34 and more words after it", 24, 6)
	if !strings.HasPrefix(got[0], label) || ansi.Strip(got[0]) != "phone +33 1 99 00 12 34" {
		t.Errorf("a styled line: %q", got)
	}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"call them on +33 1 99 00 12 34", []string{"call them on", "  +33 1 99 00 12 34"}},
		{"exported by root on Mon 30 Nov 2026 12:20 CET", []string{"exported by root on", "  Mon 30 Nov 2026 12:20 CET"}},
	} {
		if got := wrapHang(c.in, 28, 2); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("wrapHang(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCountsAreSingularForOne: "1 day paused" under the deadline, "↓ 1
// more line" in the footer.
func TestCountsAreSingularForOne(t *testing.T) {
	d := cases.Deadlines{PausedDays: 1, DueWithoutPause: &cases.Date{Year: 2026, Month: 4, Day: 1}}
	rows := d.Rows()
	if last := rows[len(rows)-1]; last.Label != "without the pause" || last.Note != "1 day paused" {
		t.Errorf("the pause: %+v", last)
	}
	m := New(Options{Clock: &clock{}})
	m.width = 80
	if got := ansi.Strip(m.moreBelow("esc back", 1)); got != " · ↓ 1 more line" {
		t.Errorf("one line below: %q", got)
	}
	if got := ansi.Strip(m.moreBelow("esc back", 2)); got != " · ↓ 2 more lines" {
		t.Errorf("two lines below: %q", got)
	}
}

// TestHeaderSaysTheUserZone: the app's header gives the time in the
// user's zone (TZ), with its abbreviation, and its name where there is
// room: Monday morning in Paris, not Sunday night on a host in UTC-10.
func TestHeaderSaysTheUserZone(t *testing.T) {
	s, _, _ := fixture(t)
	paris, err := cases.LoadZone("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 30, 9, 39, 0, 0, time.UTC)}
	for width, want := range map[int]string{
		80:  "Mon 30 Nov 10:39 CET\n",
		120: "Mon 30 Nov 10:39 CET (your time, Europe/Paris)\n",
	} {
		m := New(Options{Store: s, Clock: c, Actor: "anna", Title: "test", Zone: paris})
		m = drive(t, m, tea.WindowSizeMsg{Width: width, Height: 24})
		m = drive(t, m, m.loadQueue("")())
		if top := strings.SplitAfter(frame(m), "\n")[0]; !strings.HasSuffix(top, want) {
			t.Errorf("at %d columns the header is %q, want it to end %q", width, top, want)
		}
	}
}

// screenText is a screen's text without styles or the spaces that pad its
// lines to the window.
func screenText(s string) string {
	lines := strings.Split(ansi.Strip(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}

// TestRegisterScreenSaysItInWords: on the register screen (O) at 80
// columns, every register's ground is shown with its meaning, no fact's
// name is cut off, and no rule is cited by its number or the design
// documents.
func TestRegisterScreenSaysItInWords(t *testing.T) {
	regs := registers(t)
	bareGround := regexp.MustCompile(`\bart\d+-\d+-[a-e]\b(?: \()?`)
	grounds := 0
	for _, r := range regs.All() {
		for _, l := range registerLines(r, 80, new(DefaultStyles())) {
			l = ansi.Strip(l)
			if ansi.StringWidth(l) > 80 || strings.Contains(l, "…") && strings.Contains(l, "[") {
				t.Errorf("%s: %q is cut off", r.ID, l)
			}
			for _, g := range bareGround.FindAllString(l, -1) {
				if grounds++; !strings.HasSuffix(g, " (") {
					t.Errorf("%s: a ground without its meaning in %q", r.ID, l)
				}
			}
			for _, never := range []string{"DEADLINES.md", "R5:", "R4:", "retention[1].erasure_except…"} {
				if strings.Contains(l, never) {
					t.Errorf("%s: %q says %q", r.ID, l, never)
				}
			}
		}
	}
	if grounds == 0 {
		t.Error("no register shows a ground")
	}
}
