package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"rightsdesk/cases"
	"rightsdesk/storage"
)

// mapped are the fixture's rules with a data map of six systems, built
// here rather than read from a register so that the screens below do not
// change when a register's map does: a database of our own under a
// retention rule, a payment system hosted by a processor, a chat held for
// customers, and the three assumed places.
var mapped = func() cases.Rules {
	r := paris
	r.Systems = []cases.System{
		{ID: "app-db", Name: "our customer database, hosted by OVHcloud in Roubaix", Role: cases.SystemController, Source: "seed",
			Categories: []string{"account data"}, Retention: &cases.RetentionRule{Data: "invoices", Length: "10y",
				From: "end-of-year-of-document", Law: "Code de commerce, art. L123-22", Ground: cases.GroundArt17_3b}},
		{ID: "stripe", Name: "our payment records, hosted by Stripe", Recipient: "Stripe, Inc.", Role: cases.SystemController, Source: "seed"},
		{ID: "site-chats", Name: "conversations on our customers' websites, which we hold only for them", Role: cases.SystemForCustomer, Source: "seed"},
		{ID: "mailboxes", Name: "our mailboxes", Role: cases.SystemController, Source: "assumed"},
		{ID: "paper", Name: "paper records", Role: cases.SystemController, Source: "assumed"},
		{ID: "backups", Name: "our backups", Role: cases.SystemController, Source: "assumed"},
	}
	return r
}()

// workFixture is the three-case fixture plus an erasure request under the
// mapped rules, received 16 March 2026, with four of its six items worked
// (one kept, so a refusal waits to be told; one recorded late), and an
// access request under the same rules with a copy found in two files.
// The clock is the fixture's, 2 April 2026 at 20:00 in Paris.
func workFixture(t *testing.T) (*storage.Store, *clock, []string) {
	t.Helper()
	s, clk, ids := fixture(t)
	received := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	add := func(right cases.Right, name, email string) string {
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{right},
			Subject: cases.Subject{Name: name, Email: email}, ReceivedAt: received}, mapped, received, "anna")
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].ID
	}
	erasure, access := add(cases.RightErasure, "Maximilian Oberhollenzer-Castellanos", "max@example.org"),
		add(cases.RightAccess, "Inès Duval", "ines@example.org")
	date := func(y int, m time.Month, d int) *cases.Date { x := cases.NewDate(y, m, d); return &x }
	for _, a := range []struct {
		id string
		at time.Time
		ev cases.Event
	}{
		{erasure, time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC), cases.Event{Kind: cases.EventWorked, Item: "app-db", Result: cases.ResultKept,
			Grounds: []cases.Ground{cases.GroundArt17_3b}, What: "invoices", Law: "Code de commerce, art. L123-22", TriggerDate: date(2025, 12, 31)}},
		{erasure, time.Date(2026, 3, 18, 10, 30, 0, 0, time.UTC), cases.Event{Kind: cases.EventWorked, Item: "stripe",
			Result: cases.ResultErasureInstructed, Until: date(2026, 4, 10)}},
		{erasure, time.Date(2026, 3, 19, 9, 0, 0, 0, time.UTC), cases.Event{Kind: cases.EventForwarded, Customer: "Acme SAS"}},
		{erasure, time.Date(2026, 3, 19, 9, 5, 0, 0, time.UTC), cases.Event{Kind: cases.EventWorked, Item: "site-chats",
			Result: cases.ResultForCustomer, Customer: "Acme SAS"}},
		{access, time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC), cases.Event{Kind: cases.EventAttached,
			Attachment: &cases.Attachment{Name: "crm.csv", Kind: cases.AttachmentDataCopy}}},
		{access, time.Date(2026, 3, 20, 10, 1, 0, 0, time.UTC), cases.Event{Kind: cases.EventAttached,
			Attachment: &cases.Attachment{Name: "orders.json", Kind: cases.AttachmentDataCopy}}},
		{access, time.Date(2026, 3, 20, 10, 5, 0, 0, time.UTC), cases.Event{Kind: cases.EventWorked, Item: "app-db",
			Result: cases.ResultFound, Files: []string{"crm.csv", "orders.json"}}},
	} {
		a.ev.Actor = "anna"
		if _, err := s.Apply(a.id, a.ev, storage.NoRevision, a.at.Add(time.Minute)); err != nil {
			t.Fatalf("%s %s: %v", a.ev.Kind, a.ev.Item, err)
		}
	}
	// The backups' result, recorded today for 20 March.
	late := cases.Event{Kind: cases.EventWorked, Item: "backups", Result: cases.ResultBeyondUse, Until: date(2026, 6, 20),
		At: time.Date(2026, 3, 20, 16, 0, 0, 0, time.UTC), Late: "noted on paper during the server move", Actor: "marc"}
	if _, err := s.Apply(erasure, late, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	return s, clk, append(ids, erasure, access)
}

// workModel is the app on the work fixture at a size, the queue loaded.
func workModel(t *testing.T, s *storage.Store, clk *clock, w, h int) Model {
	t.Helper()
	m := New(Options{Store: s, Clock: clk, Actor: "anna", Title: "test", Registers: registers(t)})
	m = drive(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return drive(t, m, m.loadQueue("")())
}

// TestGoldenWork: the queue with "work" and "tell refusal by" in its rows,
// the erasure case's work panel and its timeline's end, and the work form
// on a kept result, at 80x24 and 120x40 (go test ./ui -update refreshes them).
func TestGoldenWork(t *testing.T) {
	s, clk, ids := workFixture(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		m := workModel(t, s, clk, size.w, size.h)
		t.Run("queue_"+size.name, func(t *testing.T) { golden.RequireEqual(t, frame(m)) })
		m.moveTo(ids[3])
		m = press(t, m, "enter")
		t.Run("case_"+size.name, func(t *testing.T) { golden.RequireEqual(t, frame(m)) })
		t.Run("timeline_"+size.name, func(t *testing.T) { golden.RequireEqual(t, frame(press(t, m, "G"))) })
		// kept (the fifth result), what, art17-3-b (the second ground), the law: the cursor on until.
		form := press(t, m, "W", "tab", "right", "right", "right", "right", "tab", "=invoices of 2025", "tab", "right", "tab",
			"=Code de commerce, art. L123-22", "tab")
		t.Run("form_kept_"+size.name, func(t *testing.T) { golden.RequireEqual(t, frame(form)) })
	}
}

// TestWorkPanelAndRows reads what the screens say of the work, line by
// line, at 80 columns: the queue's rows, the case header, one panel line
// per item with its mark, result, date and key detail, and the timeline's
// flags.
func TestWorkPanelAndRows(t *testing.T) {
	s, clk, ids := workFixture(t)
	m := workModel(t, s, clk, 80, 24)
	// The rows' notes need the subject column of a wider window: at 80
	// columns the assignee has their room.
	rows := strings.Split(frame(workModel(t, s, clk, 120, 24)), "\n")
	rowOf := func(id string) string {
		for _, r := range rows {
			if strings.Contains(r, id) {
				return r
			}
		}
		t.Fatalf("no row for %s:\n%s", id, frame(m))
		return ""
	}
	// Erasure: four of six items have a result; the kept item is a refusal
	// not yet told, due by the refusal date (a month from 16 March), which
	// the row says in place of the work done, the subject giving way.
	if r := rowOf(ids[3]); !strings.Contains(r, "Maximi… tell refusal by 16 Apr in-progress") {
		t.Errorf("erasure row: %q", r)
	}
	if r := rowOf(ids[4]); !strings.Contains(r, "work 1/6") || !strings.Contains(r, "Inès Duval") {
		t.Errorf("access row: %q", r)
	}
	if r := rowOf(ids[0]); strings.Contains(r, "work") {
		t.Errorf("a case without a work list shows work: %q", r)
	}
	m.moveTo(ids[3])
	m = press(t, m, "enter")
	if top := ansi.Strip(frame(m)); !strings.HasPrefix(top, ids[3]+"  crisp  erasure  in-progress  work 4/6") {
		t.Errorf("the case's header:\n%s", top)
	}
	text := ansi.Strip(caseText(m))
	for _, want := range []string{
		"tell refusal by      Thu 16 Apr 2026 (a refusal recorded, not yet told)",
		"Work 4/6 · 2 open",
		// Ten years from 31 December 2025 (the rule's trigger, end of the
		// year of the invoice); the year is said where it is not 2026's. The
		// ground comes with its meaning, which leaves the names a third of
		// the line (the panel's rule) and wraps the result under itself.
		"✓ our customer database…     kept 18 Mar · until 31 Dec 2035 on art17-3-b (a",
		"                             legal obligation)",
		"erasure-instructed 18 Mar · expected by 10 Apr",
		"for-customer 19 Mar · → Acme SAS",
		"○ our mailboxes              OPEN",
		"beyond-use 20 Mar · overwritten by 20 Jun · LATE",
		"forwarded  anna · to Acme SAS",
		"LATE: noted on paper during the server", // the line wraps before "move"
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the case screen lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("%q is %d cells wide", l, w)
		}
	}
	// A timeline line says each thing once: the app's own words for the
	// work (the item by its name, "until", "→", "LATE:") stand in for the
	// bare values Event.Details also gives.
	for s, n := range map[string]int{
		"noted on paper": 1, "2026-04-10": 1, "2026-06-20": 1,
		"Acme SAS": 3, // the panel's "→", the forwarding's "to", the result's "→"
		"app-db":   0, "stripe": 0,
	} {
		if got := strings.Count(text, s); got != n {
			t.Errorf("the case screen says %q %d times, want %d:\n%s", s, got, n, text)
		}
	}
	// The long names are cut at a word, not inside one.
	if !strings.Contains(text, "✓ conversations on our…  ") || !strings.Contains(text, "✓ our payment records…  ") {
		t.Errorf("the long item names are not cut at a word:\n%s", text)
	}
	access := press(t, press(t, m, "esc"), "esc")
	access.moveTo(ids[4])
	access = press(t, access, "enter")
	text = ansi.Strip(caseText(access))
	if !strings.Contains(text, "found 20 Mar · 2 files") {
		t.Errorf("the access case's panel:\n%s", text)
	}
	// Its results are short, so the names take the rest of the 80 columns
	// (80 - 6 - 22 = 52 cells, the widest name's whole width), not a
	// narrower cap (48 cells before 0a7f0e8), before they are cut.
	if !strings.Contains(text, "✓ our customer database, hosted by OVHcloud in Roubaix  found") ||
		!strings.Contains(text, "○ conversations on our customers' websites, which we…   OPEN") {
		t.Errorf("the access case's names are cut short of the line's room:\n%s", text)
	}
}

// TestWorkFormRecordsAResult fills the work form from the keyboard: the
// open items come first, a result shows only its details, a kept item
// without an end is refused by the action service naming the field, and
// the refusal stays through a poll until the next key; then the end is
// given, and the event stored has every value typed.
func TestWorkFormRecordsAResult(t *testing.T) {
	s, clk, ids := workFixture(t)
	m := workModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter", "W")
	f := m.form
	if f == nil || f.name != "work" {
		t.Fatalf("W did not open the work form:\n%s", frame(m))
	}
	items := f.get("item")
	if !slices.Equal(items.options[:2], []string{"mailboxes", "paper"}) || len(items.options) != 6 {
		t.Fatalf("items offered %q: the open ones first, then the others for a correction", items.options)
	}
	if got := f.get("result").options; !slices.Equal(got, cases.Slugs(cases.ResultsFor(cases.RightErasure))) {
		t.Fatalf("results offered %q", got)
	}
	// A letter picks the item by its name as shown.
	if m = press(t, m, "p"); m.form.val("item") != "paper" {
		t.Fatalf("p picked %q", m.form.val("item"))
	}
	m = press(t, m, "left")
	f = m.form
	shown := func(f *form) []string {
		var out []string
		for _, x := range f.fields {
			if !x.hidden {
				out = append(out, x.key)
			}
		}
		return out
	}
	// erased takes no detail: item, result, when.
	if got := shown(f); !slices.Equal(got, []string{"item", "result", "when"}) {
		t.Fatalf("erased shows %q", got)
	}
	// kept: the fourth result after erased.
	m = press(t, m, "tab", "right", "right", "right", "right")
	if got := shown(m.form); m.form.val("result") != "kept" ||
		!slices.Equal(got, []string{"item", "result", "what", "ground", "law", "until", "trigger-date", "review", "reason", "when"}) {
		t.Fatalf("%s shows %q", m.form.val("result"), got)
	}
	if g := m.form.get("ground"); !slices.Equal(g.options, cases.Slugs(cases.KeptGrounds)) {
		t.Fatalf("kept offers the grounds %q", g.options)
	}
	// art17-3-b (the second ground) makes the law required.
	m = press(t, m, "tab", "=accounting records", "tab", "right", "tab", "=Code de commerce, art. L123-22", "enter")
	before := len(mustGet(t, s, ids[3]).Events)
	out := frame(m)
	if m.form == nil || m.form.focused().key != "until" || !strings.Contains(out, "! kept needs an end: the date it ends (until)") {
		t.Fatalf("a kept item without an end is not refused on its field:\n%s", out)
	}
	if msg := m.refresh()(); msg != nil {
		m = drive(t, m, msg)
	}
	if !strings.Contains(frame(m), "kept needs an end") {
		t.Fatalf("a poll took the refusal away:\n%s", frame(m))
	}
	m = press(t, m, "=2036-12-31")
	if strings.Contains(frame(m), "kept needs an end") {
		t.Errorf("the refusal stays after the next key:\n%s", frame(m))
	}
	m = press(t, m, "enter")
	if m.form != nil {
		t.Fatalf("not recorded: %s\n%s", m.err, frame(m))
	}
	e := lastEvent(t, s, ids[3])
	if len(mustGet(t, s, ids[3]).Events) != before+1 || e.Kind != cases.EventWorked || e.Item != "mailboxes" || e.Result != cases.ResultKept ||
		e.What != "accounting records" || !slices.Equal(e.Grounds, []cases.Ground{cases.GroundArt17_3b}) ||
		e.Law != "Code de commerce, art. L123-22" || e.Until == nil || *e.Until != cases.NewDate(2036, 12, 31) || !e.At.Equal(clk.t) {
		t.Fatalf("stored %+v", e)
	}
	if !strings.Contains(caseText(m), "kept 2 Apr · until 31 Dec 2036 on art17-3-b") || !strings.Contains(frame(m), "work 5/6") {
		t.Errorf("the panel does not show the result:\n%s", caseText(m))
	}
}

// TestWorkFormWhenAndWhyLate: the form's own time is read in the case's
// zone and shown with its abbreviation; more than the rules' 24 hours back
// it asks why late, and sends nothing without it; a time that cannot be
// read is refused on the field.
func TestWorkFormWhenAndWhyLate(t *testing.T) {
	s, clk, ids := workFixture(t)
	m := workModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter", "W", "tab", "tab", "=2026-03-3x", "enter")
	if m.form == nil || m.form.focused().key != "when" || !strings.Contains(frame(m), "malformed time") {
		t.Fatalf("an unreadable time:\n%s", frame(m))
	}
	m = press(t, m, "backspace", "backspace", "=31 14:30")
	if out := frame(m); !strings.Contains(out, "= Tue 31 Mar 2026 14:30 CEST") || m.form.get("late").hidden {
		t.Fatalf("two days back, in Paris summer time, asks why late:\n%s", out)
	}
	m = press(t, m, "enter")
	if m.form == nil || !strings.Contains(m.err, "why late is required") || m.form.focused().key != "late" {
		t.Fatalf("sent without why late:\n%s", frame(m))
	}
	m = press(t, m, "=the search was done on paper first", "enter")
	e := lastEvent(t, s, ids[3])
	if m.form != nil || e.Kind != cases.EventWorked || e.Item != "mailboxes" || e.Result != cases.ResultErased ||
		!e.At.Equal(time.Date(2026, 3, 31, 12, 30, 0, 0, time.UTC)) || e.Late != "the search was done on paper first" {
		t.Fatalf("stored %+v (%s)", e, m.err)
	}
	// An hour back needs no why.
	m = press(t, m, "W", "tab", "tab", "=2026-04-02 19:00")
	if !m.form.get("late").hidden {
		t.Errorf("an hour back asks why late:\n%s", frame(m))
	}
}

// TestWorkFormShowsWhatEachResultNeeds: for every result of every right,
// the work form sent with only what it opens with is recorded, or refused
// on a field the form shows, so that no result needs a detail the form
// hides.
func TestWorkFormShowsWhatEachResultNeeds(t *testing.T) {
	for _, right := range []cases.Right{cases.RightAccess, cases.RightPortability, cases.RightErasure, cases.RightRectification,
		cases.RightRestriction, cases.RightAutomatedDecision} {
		for _, result := range cases.ResultsFor(right) {
			t.Run(string(right)+"/"+string(result), func(t *testing.T) {
				s, clk, _ := fixture(t)
				cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{right},
					Subject: cases.Subject{Name: "Inès Duval", Email: "ines@example.org"}, ReceivedAt: clk.t.Add(-time.Hour)}, mapped, clk.t, "anna")
				if err != nil {
					t.Fatal(err)
				}
				m := workModel(t, s, clk, 80, 24)
				m.moveTo(cs[0].ID)
				m = press(t, m, "enter", "W")
				// stripe: the item hosted by a processor, where every result may apply.
				f := m.form.clone()
				f.get("item").choose("stripe")
				f.get("result").choose(string(result))
				m.fitForm(f)
				m.form = f
				var shown []string
				for _, x := range f.fields {
					if !x.hidden {
						shown = append(shown, x.key)
					}
				}
				m = press(t, m, "enter")
				if m.form == nil {
					return // recorded
				}
				// A refusal puts the cursor on its field, showing it if hidden.
				if x := m.form.focused(); m.err == "" || !slices.Contains(shown, x.key) {
					t.Fatalf("refused on %q, which the form hid (it showed %q): %s", x.key, shown, m.err)
				}
			})
		}
	}
}

// TestProgramWorkFlow runs the real program: open the erasure case by its
// ID, see its work panel, record the paper records' result with W.
func TestProgramWorkFlow(t *testing.T) {
	s, clk, ids := workFixture(t)
	m := New(Options{Store: s, Clock: clk, Actor: "anna", Title: "flow", Registers: registers(t)})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(ansi.Strip(string(b)), what) },
			teatest.WithDuration(5*time.Second))
	}
	wait(ids[4])
	tm.Send(keyPress("/"))
	tm.Type(ids[3])
	tm.Send(keyPress("enter"))
	wait("Work 4/6")
	tm.Send(keyPress("W"))
	wait("Record the result of a work item")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyRight}) // paper records
	tm.Send(keyPress("enter"))                   // erased, now
	wait("worked recorded")
	tm.Send(keyPress("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if e := lastEvent(t, s, ids[3]); e.Kind != cases.EventWorked || e.Item != "paper" || e.Result != cases.ResultErased {
		t.Fatalf("stored %+v\n%s", e, frame(final))
	}
}

// TestAddSystemAndForwardFromTheCase: S adds a system to the work list,
// which the panel then shows open; > records a forwarding with its time.
func TestAddSystemAndForwardFromTheCase(t *testing.T) {
	s, clk, ids := workFixture(t)
	m := workModel(t, s, clk, 80, 24)
	m.moveTo(ids[3])
	m = press(t, m, "enter")
	if out := frame(m); !strings.Contains(out, "W work") || !strings.Contains(out, "S system") || !strings.Contains(out, "> forward") {
		t.Errorf("the footer lacks the work keys:\n%s", out)
	}
	m = press(t, m, "S", "=the 2019 CRM export", "enter")
	if m.form != nil || !strings.Contains(caseText(m), "○ the 2019 CRM export") || !strings.Contains(frame(m), "work 4/7") {
		t.Fatalf("the system added:\n%s", caseText(m))
	}
	m = press(t, m, ">", "=Acme SAS (its DPO)", "enter")
	if e := lastEvent(t, s, ids[3]); m.form != nil || e.Kind != cases.EventForwarded || e.Customer != "Acme SAS (its DPO)" {
		t.Fatalf("stored %+v\n%s", e, frame(m))
	}
	help := press(t, m, "?")
	for _, want := range []string{"W", "work", "S", "add-system", ">", "forward"} {
		if !strings.Contains(frame(help), want) {
			t.Errorf("the help lacks %q:\n%s", want, frame(help))
		}
	}
}

// TestSendFormStartsOnNo: the send form opens with "sent otherwise" and
// "draft sent" on no, and sent as it opens records a letter exported and
// sent by rightsdesk, neither sent another way nor a draft that went out;
// a yes on either is said in the question before anything is recorded.
func TestSendFormStartsOnNo(t *testing.T) {
	s, clk, ids := workFixture(t)
	id := ids[4] // the access case
	exported := cases.Event{Kind: cases.EventExported, Letter: cases.LetterAcknowledgement, Actor: "anna",
		Checksum: strings.Repeat("ab", 32)}
	if _, err := s.Apply(id, exported, storage.NoRevision, clk.t); err != nil {
		t.Fatal(err)
	}
	m := workModel(t, s, clk, 80, 24)
	m.moveTo(id)
	m = press(t, m, "enter", "s")
	if m.form == nil || m.form.name != "send" {
		t.Fatalf("no send form:\n%s", frame(m))
	}
	for i := 0; m.form.val("letter") != string(cases.LetterAcknowledgement) && i < len(cases.LetterKinds); i++ {
		m = press(t, m, "right")
	}
	for _, key := range []string{"outside", "draft-sent"} {
		if got := m.form.val(key); got != "no" {
			t.Errorf("%s starts on %q, want no:\n%s", key, got, frame(m))
		}
	}
	for _, c := range []struct{ key, says string }{{"draft-sent", "was sent as a DRAFT?"}, {"outside", "was sent another way?"}} {
		f := m.form.clone()
		f.get(c.key).choose("yes")
		if q := m.confirmQuestion(f); !strings.HasSuffix(q, c.says) {
			t.Errorf("with %s yes the question is %q", c.key, q)
		}
	}
	if q := m.confirmQuestion(m.form); !strings.HasSuffix(q, "letter of "+id+" was sent?") {
		t.Errorf("the question: %q", q)
	}
	m = press(t, m, "enter", "y")
	e := lastEvent(t, s, id)
	if e.Kind != cases.EventSent || e.Letter != cases.LetterAcknowledgement || e.Outside || e.DraftSent {
		t.Errorf("stored %+v\n%s", e, frame(m))
	}
}
