package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShowTimesInTheLegalZone: show's text gives every time in the case's
// legal zone with the zone's abbreviation, by the zone's rule on that date:
// in Paris the clocks go forward at 01:00 UTC on the last Sunday of March
// (29 March 2026), so 00:30 UTC is 01:30 CET and 01:30 UTC is 03:30 CEST.
// show --json keeps RFC 3339. The identifiers typed at intake are shown,
// and a ground comes with its meaning.
func TestShowTimesInTheLegalZone(t *testing.T) {
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	env := map[string]string{"RIGHTSDESK_NOW": "2026-04-01T10:00:00Z", "RIGHTSDESK_ACTOR": "anna"}
	add := func(received string, more ...string) string {
		t.Helper()
		args := append([]string{"add", "--db", db, "--controller", "crisp", "--right", "erasure", "--subject", "Jan Nowak",
			"--email", "jan@example.org", "--received", received}, more...)
		status, out, errOut := runCLI(t, env, args...)
		if status != exitOK {
			t.Fatalf("add: %s", errOut)
		}
		return strings.TrimSpace(out)
	}
	winter := add("2026-03-29T00:30:00Z", "--identifier", "customer=C-1042", "--identifier", "account=A-77")
	summer := add("2026-03-29T01:30:00Z")
	if status, _, errOut := runCLI(t, env, "close", winter, "--db", db, "--outcome", "refused", "--ground", "art17-3-b",
		"--reason", "kept for the tax law", "--at", "2026-03-31T16:15:00Z"); status != exitOK {
		t.Fatalf("close: %s", errOut)
	}
	show := func(id string) string {
		t.Helper()
		status, out, errOut := runCLI(t, env, "show", id, "--db", db)
		if status != exitOK {
			t.Fatalf("show: %s", errOut)
		}
		return out
	}
	text := show(winter)
	for _, want := range []string{
		"received     Sun 29 Mar 2026 01:30 CET via",
		"identifiers  account=A-77; customer=C-1042\n",
		"  Sun 29 Mar 2026 01:30 CET   received",
		"  Tue 31 Mar 2026 18:15 CEST  closed",
		"ground: art17-3-b (a legal obligation)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("show %s lacks %q:\n%s", winter, want, text)
		}
	}
	text = show(summer)
	for _, want := range []string{"received     Sun 29 Mar 2026 03:30 CEST via", "due at               Wed 29 Apr 2026 23:59:59 CEST\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("show %s lacks %q:\n%s", summer, want, text)
		}
	}
	// No time in the text without its zone, and none in UTC.
	for _, at := range regexp.MustCompile(`\d{2}:\d{2}(:\d{2})?( [A-Z]+)?`).FindAllString(text, -1) {
		if !strings.HasSuffix(at, " CET") && !strings.HasSuffix(at, " CEST") && !strings.HasSuffix(at, " UTC") {
			t.Errorf("a time without its zone: %q in\n%s", at, text)
		}
	}
	_, out, _ := runCLI(t, env, "show", summer, "--db", db, "--json")
	var v struct {
		ReceivedAt string `json:"received_at"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.ReceivedAt != "2026-03-29T01:30:00Z" {
		t.Errorf("show --json keeps RFC 3339: %q %v", v.ReceivedAt, err)
	}
}

// TestShowsANotesLineBreaks: a note's line breaks, kept as evidence, show
// as ⏎ in show's timeline, not as ^J.
func TestShowsANotesLineBreaks(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	d.ok("note", id, "--text", "called back\nno answer")
	status, out, errOut := d.run("show", id)
	if status != 0 || !strings.Contains(out, "text: called back⏎no answer") || strings.Contains(out, "^J") {
		t.Fatalf("show: %d %q\n%s", status, errOut, out)
	}
}
