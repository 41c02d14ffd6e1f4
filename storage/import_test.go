package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
)

var importNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

const importHeader = "controller,right,subject,email,received,channel,text\n"

// embeddedRules resolves organisations from the registers built into the
// program, as the import command does without --registers.
func embeddedRules(t testing.TB) RulesFor {
	t.Helper()
	regs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return regs.RulesFor
}

func rowLines(rows []ImportRow) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.Line)
	}
	return out
}

func errorStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestParseImportCountsPhysicalLines(t *testing.T) {
	row := "crisp,access,A,a@example.org,2026-11-02,email,t\n"
	tests := []struct {
		name    string
		content string
		lines   []int
		fields  map[string]string // of the last row
	}{
		{"csv", importHeader + row + row, []int{2, 3}, nil},
		{"csv with blank lines", "\n" + importHeader + "\n" + row + "\n\n" + row, []int{4, 7}, nil},
		{"csv with fields over several lines", importHeader + "crisp,access,A,a@example.org,2026-11-02,email,\"one\ntwo\n\nthree\"\n" +
			"\"crisp\",\"access\",\"B\nC\",b@example.org,2026-11-02,email,t\n" + row,
			[]int{2, 6, 8}, nil},
		{"csv with CRLF, a BOM and columns in another order", "\xef\xbb\xbfText,Controller,right,subject,email,received,channel,phone\r\n" +
			"\"a\r\nb\",crisp,access,A,,2026-11-02,post,+33 1 23\r\n",
			[]int{2}, map[string]string{"text": "a\nb", "controller": "crisp", "phone": "+33 1 23", "email": ""}},
		{"json lines", "\n" + `{"controller":"crisp","text":"a\nb"}` + "\n\n" + `  {"controller":"callrix","right":["access","erasure"],"identifier":null}` + "\r\n",
			[]int{2, 4}, map[string]string{"controller": "callrix", "right": "access,erasure"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs := ParseImport("in", strings.NewReader(tc.content))
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if got := rowLines(rows); !slices.Equal(got, tc.lines) {
				t.Fatalf("lines %v, want %v", got, tc.lines)
			}
			last := rows[len(rows)-1].Fields
			for k, v := range tc.fields {
				if got, ok := last[k]; !ok || got != v {
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
				}
			}
		})
	}
}

func TestReadImportReportsEveryBadRowInFileOrder(t *testing.T) {
	good := "crisp,access,A,a@example.org,2026-11-02,email,t\n"
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"csv syntax and content", importHeader +
			"crisp,access,A\"b,a@example.org,2026-11-02,email,t\n" + // 2: bare quote
			good + // 3
			"crisp,access,B,b@example.org,,email,t\n" + // 4: no receipt date
			"crisp,access,\"C\ncontinued\"x,c@example.org,2026-11-02,email,t\n" + // 5-6: text after a closing quote
			"crisp,access,D,d@example.org,2026-11-02,fax,t\n" + // 7: unknown channel
			"crisp,access,E,e@example.org,2026-11-02,email,\"never closed\n" + good, // 8 to the end
			[]string{"in:2: bare \"", "in:4: received is empty", "in:5: extraneous or missing \" in quoted-field (line 6, column 10)",
				"in:7: ", "in:8: extraneous or missing \" in quoted-field (line 9,"}},
		{"not UTF-8", importHeader + good + "crisp,access,Zo\xe9,z@example.org,2026-11-02,email,t\n" + good +
			"crisp,access,\"a\nb\xff\",z@example.org,2026-11-02,email,t\n",
			[]string{"in:3: not valid UTF-8", "in:5: not valid UTF-8"}},
		{"json lines not UTF-8", `{"controller":"crisp","right":"access","subject":"Zo` + "\xe9" + `","email":"z@example.org","received":"2026-11-02"}` + "\n" +
			`{"controller":"crisp","right":"access","subject":"` + "\xff" + `","email":"z@example.org","received":"2026-11-02"}` + "\n",
			[]string{"in:1: not valid UTF-8", "in:2: not valid UTF-8"}},
		{"identifiers", importHeader[:len(importHeader)-1] + ",identifier\n" +
			"crisp,access,A,a@example.org,2026-11-02,email,t,customer=1;order\n" +
			"crisp,access,A,a@example.org,2026-11-02,email,t,customer=1; customer =2\n" +
			"crisp,access,A,a@example.org,2026-11-02,email,t,customer=1;order=2\n",
			[]string{`in:2: identifier "order": want TYPE=VALUE`, `in:3: identifier "customer" given twice`}},
		{"json lines", `{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-02","email":"b@example.org"}` + "\n" +
			`{"controller":"crisp","right":7,"subject":"A","email":"a@example.org","received":"2026-11-02"}` + "\n" +
			`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-02","identifier":{"x":1}}` + "\n" +
			`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-02"} []` + "\n" +
			`["crisp"]` + "\n" +
			`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-02"` + "\n" +
			`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-02","shoe":"42"}` + "\n" +
			`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org","received":"2026-11-31"}` + "\n",
			[]string{`in:1: key "email" appears twice`, `in:2: "right" must be a string or an array`, `in:3: "identifier" must be`,
				"in:4: not one JSON object", "in:5: not a JSON object", "in:6: not a JSON object", `in:7: unknown key "shoe"`, "in:8: received: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requests, errs := ReadImport("in", strings.NewReader(tc.content), embeddedRules(t), importNow, "importer")
			if requests != nil {
				t.Fatalf("%d requests returned with errors", len(requests))
			}
			got := errorStrings(errs)
			if len(got) != len(tc.want) {
				t.Fatalf("%d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d = %q, want it to start %q", i, got[i], w)
				}
			}
			for _, e := range errs {
				var re *RowError
				if !errors.As(e, &re) {
					t.Errorf("%v is not a RowError", e)
				}
			}
		})
	}
}

func TestReadImportBuildsRequestsAsAddDoes(t *testing.T) {
	content := `{"controller":"crisp","right":["access","erasure"],"subject":" Zoé\u001b[31m ","email":" zoe@example.org ","received":"2026-11-02","channel":"web",` +
		`"text":"keep\tthis\u001b","identifier":{"order":"O=1;2","customer":"C-1"},"requester":"Maître Vasseur","language":"fr"}` + "\n" +
		`{"controller":"closeq","right":"objection","subject":"Łukasz","phone":"+48 600","received":"2026-11-05T09:30:00+01:00","relation":"self","requester":"Łukasz"}` + "\n"
	requests, errs := ReadImport("in", strings.NewReader(content), embeddedRules(t), importNow, "importer")
	if errs != nil {
		t.Fatal(errs)
	}
	if len(requests) != 2 || len(requests[0]) != 2 || len(requests[1]) != 1 {
		t.Fatalf("shape %d", len(requests))
	}
	first := requests[0][1]
	if first.Controller != "crisp" || first.Right != cases.RightErasure || first.Subject.Name != " Zoé\x1b[31m " ||
		first.Subject.Email != "zoe@example.org" || first.Text != "keep\tthis\x1b" || first.Channel != cases.ChannelWeb ||
		first.Subject.Identifiers["order"] != "O=1;2" || first.Subject.Identifiers["customer"] != "C-1" ||
		first.Requester == nil || first.Requester.Relation != cases.RelationAgent || first.Language != "fr" {
		t.Fatalf("first request: %+v", first)
	}
	loc, _ := cases.LoadZone(first.Rules.Zone)
	if got := first.ReceivedAt.In(loc); got.Format(time.DateTime) != "2026-11-02 00:00:00" {
		t.Errorf("a date alone is the start of the day in the organisation's zone, got %v", got)
	}
	second := requests[1][0]
	if second.Requester != nil || !second.ReceivedAt.Equal(time.Date(2026, 11, 5, 8, 30, 0, 0, time.UTC)) || second.Events[0].Actor != "importer" {
		t.Fatalf("second request: %+v", second)
	}
}

// importFile reads and validates content, failing the test on a bad row.
func importFile(t *testing.T, content string) [][]*cases.Case {
	t.Helper()
	requests, errs := ReadImport("in", strings.NewReader(content), embeddedRules(t), importNow, "importer")
	if errs != nil {
		t.Fatal(errs)
	}
	return requests
}

func tagsOf(t *testing.T, s *Store, id string) (tags []string, by []string) {
	t.Helper()
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range l.Case.Events {
		if ev.Kind == cases.EventTagged {
			tags = append(tags, ev.Tags...)
			by = append(by, ev.Actor)
		}
	}
	return tags, by
}

func TestImportTagsRepeatsOfOpenRequests(t *testing.T) {
	s := newStore(t)
	add := func(subject cases.Subject, right cases.Right) string {
		cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{right}, Subject: subject,
			ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}, testRules, importNow, "dpo")
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].ID
	}
	add(cases.Subject{Name: "Zoé", Email: "Zoe@Example.org"}, cases.RightAccess)                       // 1
	add(cases.Subject{Name: "Jan", Phone: "+31 20 555 0101"}, cases.RightAccess)                       // 2
	add(cases.Subject{Name: "Ana", PostalAddress: "1 Rue de la Paix\n75002 Paris"}, cases.RightAccess) // 3
	closed := add(cases.Subject{Name: "Old", Email: "old@example.org"}, cases.RightAccess)             // 4
	if _, err := s.Do(closed, []Action{{Event: cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeNoData, Actor: "dpo"}, IfRevision: NoRevision}}, importNow); err != nil {
		t.Fatal(err)
	}
	header := "controller,right,subject,email,phone,postal-address,received,channel,text\n"
	requests := importFile(t, header+
		"crisp,access,Zoé,  zoe@EXAMPLE.org ,,,2026-11-20,web,again\n"+ // 5: repeats 1
		"crisp,access,Jan,,+31 20 555 0101,,2026-11-20,phone,again\n"+ // 6: repeats 2 (phone, no e-mail)
		"crisp,access,Ana,, ,\" 1 rue de la paix  75002   PARIS \",2026-11-20,post,again\n"+ // 7: repeats 3 (postal address)
		"crisp,access,Old,old@example.org,,,2026-11-20,web,again\n"+ // 8: the earlier one is closed
		"crisp,erasure,Zoé,zoe@example.org,,,2026-11-20,web,another right\n"+ // 9
		"callrix,access,Zoé,zoe@example.org,,,2026-11-20,web,another organisation\n"+ // 10
		"crisp,access,Jan,jan@example.org,+31 20 555 0101,,2026-11-20,web,an e-mail comes first\n"+ // 11
		"callrix,\"objection,access\",Zoé,zoe@example.org,,,2026-11-21,web,repeats row 10 within the file\n") // 12, 13
	res, err := s.Import(requests, importNow, "importer")
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"DSR-2026-000005", "DSR-2026-000006", "DSR-2026-000007", "DSR-2026-000008", "DSR-2026-000009",
		"DSR-2026-000010", "DSR-2026-000011", "DSR-2026-000012", "DSR-2026-000013"}
	if res.Requests != 8 || res.Cases != 9 || res.Duplicates != 4 || !slices.Equal(res.IDs, wantIDs) {
		t.Fatalf("result %+v", res)
	}
	tagged := map[string]bool{"DSR-2026-000005": true, "DSR-2026-000006": true, "DSR-2026-000007": true, "DSR-2026-000013": true}
	for _, id := range wantIDs {
		tags, by := tagsOf(t, s, id)
		if tagged[id] != slices.Equal(tags, []string{DuplicateTag}) {
			t.Errorf("%s tags %v, want tagged %v", id, tags, tagged[id])
		}
		if tagged[id] && !slices.Equal(by, []string{"importer"}) {
			t.Errorf("%s tagged by %v", id, by)
		}
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// The repeats are looked for in the write transaction, so a request added
// between reading the file and writing it is seen.
func TestImportSeesTheDatabaseAtCommitTime(t *testing.T) {
	s := newStore(t)
	requests := importFile(t, importHeader+"crisp,access,Zoé,zoe@example.org,2026-11-20,web,t\n")
	if _, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Zoé", Email: "zoe@example.org"}}, testRules, importNow, "dpo"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(requests, importNow, "importer")
	if err != nil || res.Duplicates != 1 || res.IDs[0] != "DSR-2026-000002" {
		t.Fatalf("%+v %v", res, err)
	}
}

// A request that cannot be written after others were writes none of them.
func TestImportIsAllOrNothing(t *testing.T) {
	for _, n := range []int{3, 150} { // an ordinary and a bulk write
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := newStore(t)
			addCase(t, s, "Zoé Lefèvre")
			var sb strings.Builder
			sb.WriteString(importHeader)
			for i := range n {
				fmt.Fprintf(&sb, "crisp,access,S %d,s%d@example.org,2026-11-02,email,t\n", i, i)
			}
			requests := importFile(t, sb.String())
			requests[n-1][0].Rules.Zone = "Nowhere/Atlantis" // refused by the writer, after the others
			if _, err := s.Import(requests, importNow, "importer"); err == nil {
				t.Fatal("the broken request was written")
			}
			rows, _, err := s.Queue(importNow)
			if err != nil || len(rows) != 1 {
				t.Fatalf("%d cases after a failed import (%v), want the 1 there before", len(rows), err)
			}
			cs := addCase(t, s, "Jan Jansen")
			if cs[0].ID != "DSR-2026-000002" {
				t.Fatalf("the failed import used IDs: next is %s", cs[0].ID)
			}
		})
	}
}

// BenchmarkReadImport100k times what an import does before it takes the
// lock: parsing and validating a 100,000-row CSV. (The whole command is
// BenchmarkImport100k in package main.)
func BenchmarkReadImport100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(importHeader)
	orgs := []string{"crisp", "callrix", "closeq", "crmsoftware", "crystalqore"}
	for i := range 100_000 {
		fmt.Fprintf(&sb, "%s,\"access,erasure\",Subject %d Łukasz,s%d@example.org,2026-%02d-%02d,email,\"please send\nmy data\"\n",
			orgs[i%5], i, i, 8+i%3, 1+i%28)
	}
	content := sb.String()
	rulesFor := embeddedRules(b)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		requests, errs := ReadImport("big.csv", strings.NewReader(content), rulesFor, importNow, "importer")
		if errs != nil || len(requests) != 100_000 {
			b.Fatal(len(requests), errs[:min(len(errs), 3)])
		}
	}
}
