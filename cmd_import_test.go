package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const importHeader = "controller,right,subject,email,received,channel,text\n"

func importEnv(t testing.TB) map[string]string {
	return map[string]string{"RIGHTSDESK_NOW": "2026-11-22T10:00:00Z", "RIGHTSDESK_ACTOR": "importer", "XDG_CONFIG_HOME": t.TempDir()}
}

// readBytes is the file at path, byte for byte.
func readBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportRefusesAFileWithABadRowAnywhere(t *testing.T) {
	good := "crisp,access,Zoé Lefèvre,zoe@example.org,2026-11-02,email,send me my data\n"
	multi := "crisp,erasure,Łukasz Nowak,lukasz@example.org,2026-11-03,web,\"delete\nall of it\nplease\"\n" // lines 3 to 5 when second
	tests := []struct {
		name  string
		body  string
		lines []string // the reports expected on stderr
	}{
		{"first row", "acme,access,X,x@example.org,2026-11-02,email,t\n" + good, []string{":2: unknown organisation \"acme\""}},
		{"after a multi-line row", good + multi + "crisp,acces,Y,y@example.org,2026-11-02,email,t\n" + good, []string{":6: unknown right \"acces\""}},
		{"last row", good + good + "crisp,access,Y,,2026-11-02,email,t\n", []string{":4: one contact route is required"}},
		{"a multi-line row itself", good + "crisp,erasure,Y,y@example.org,2026-02-30,web,\"a\nb\"\n", []string{":3: received: malformed time"}},
		{"several", "crisp,access,,x@example.org,2026-11-02,email,t\n" + good + "crisp,access,Y,y@example.org,2026-12-01,email,t\n",
			[]string{":2: the subject's name is required", ":4: the receipt time"}},
		{"a field too many", good + "crisp,access,Y,y@example.org,2026-11-02,email,t,extra\n", []string{":3: 8 fields, the header has 7"}},
		{"an unterminated quote", good + "crisp,access,\"Y,y@example.org\n", []string{":3:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := importEnv(t)
			db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
			file := writeFile(t, "requests.csv", importHeader+tc.body)
			before := readBytes(t, db)
			status, out, errOut := runCLI(t, env, "import", file, "--db", db)
			if status != 2 || out != "" || !strings.Contains(errOut, "nothing was imported") {
				t.Fatalf("status %d, stdout %q, stderr %q", status, out, errOut)
			}
			for _, want := range tc.lines {
				if !strings.Contains(errOut, file+want) {
					t.Errorf("stderr lacks %q:\n%s", file+want, errOut)
				}
			}
			if strings.Count(errOut, "\n") != len(tc.lines)+1 {
				t.Errorf("want %d reports and a summary:\n%s", len(tc.lines), errOut)
			}
			if !bytes.Equal(readBytes(t, db), before) {
				t.Fatal("the database was touched")
			}
		})
	}
}

func TestImportHeaderAndEncoding(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	for _, tc := range []struct{ content, want string }{
		{"", ":1: the file is empty"},
		{"controller,right,subject,email,received,channel\n", `:1: the header lacks the column "text"`},
		{"controller,right,subject,email,received,channel,text,shoe-size\n", `:1: unknown column "shoe-size"`},
		{"controller,right,subject,email,email,received,channel,text\n", `:1: column "email" appears twice`},
		{importHeader, ":2: no requests after the header"},
		{importHeader + "crisp,access,Zo\xe9,z@example.org,2026-11-02,email,t\n", ":2: not valid UTF-8"},
		{`{"controller":"crisp","right":"access","subject":"A","email":"a@example.org"}` + "\n\n" + `{"controller":"crisp","right":"access","subject":7}` + "\n", `:3: "subject" must be a string`},
		{`{"controller":"crisp","colour":"red"}` + "\n", `:1: unknown key "colour"`},
		{`{"controller":"crisp"} {"x":1}` + "\n", ":1: not one JSON object"},
	} {
		file := writeFile(t, "in.txt", tc.content)
		status, _, errOut := runCLI(t, env, "import", file, "--db", db)
		if status != 2 || !strings.Contains(errOut, file+tc.want) {
			t.Errorf("%q: status %d, stderr %q, want %q", tc.content, status, errOut, tc.want)
		}
	}
}

func TestImportCleanFiles(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	csv := "\xef\xbb\xbf" + "controller,right,subject,email,received,channel,text,phone,requester,relation,identifier,language\n" +
		"crisp,\"access,erasure\",Zoé Lefèvre,zoe@example.org,2026-11-02,email,\"send me\neverything\",,Maître Vasseur,agent,customer=C-1;order=O-9,fr\n" +
		"closeq,objection,Łukasz Nowak,,2026-11-05T09:30:00+01:00,post,stop marketing,+48 600 100 200,,,,\n"
	status, out, errOut := runCLI(t, env, "import", writeFile(t, "in.csv", csv), "--db", db, "--json")
	if status != 0 {
		t.Fatalf("%d %s", status, errOut)
	}
	var res struct {
		Requests, Cases int
		IDs             []string
	}
	json.Unmarshal([]byte(out), &res)
	if res.Requests != 2 || res.Cases != 3 || len(res.IDs) != 3 {
		t.Fatalf("%s", out)
	}
	_, out, _ = runCLI(t, env, "show", res.IDs[1], "--json", "--db", db)
	var v struct {
		RequestID string `json:"request_id"`
		Right     string
		Subject   struct {
			Name, Email string
			Identifiers map[string]string
		}
		Requester   struct{ Name, Relation string }
		Language    string
		Text        string
		ReceiptDate string `json:"receipt_date"`
	}
	json.Unmarshal([]byte(out), &v)
	if v.RequestID != res.IDs[0] || v.Right != "erasure" || v.Subject.Name != "Zoé Lefèvre" || v.Subject.Identifiers["order"] != "O-9" ||
		v.Requester.Relation != "agent" || v.Language != "fr" || v.Text != "send me\neverything" || v.ReceiptDate != "2026-11-02" {
		t.Fatalf("imported case: %+v", v)
	}
	jsonl := `{"controller":"crystalqore","right":"portability","subject":"Sofie Peeters","email":"sofie@example.net","received":"2026-11-10","channel":"portal","text":"export please","identifier":{"account":"A-7"}}` + "\n"
	if status, out, errOut := runCLI(t, env, "import", writeFile(t, "in.jsonl", jsonl), "--db", db); status != 0 || !strings.Contains(out, "imported 1 request (1 case) from ") {
		t.Fatalf("jsonl: %d %q %q", status, out, errOut)
	}
	if status, out, _ := runCLI(t, env, "check", "--db", db); status != 0 {
		t.Fatal(out)
	}
}

func TestImportTagsPossibleDuplicates(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Zoé", "--email", "zoe@example.org", "--db", db); status != 0 {
		t.Fatal(errOut)
	}
	csv := importHeader +
		"crisp,access,Zoé L.,ZOE@example.org ,2026-11-20,web,again\n" + // repeats the open case in the database
		"crisp,erasure,Zoé L.,zoe@example.org,2026-11-20,web,delete\n" + // another right: not a duplicate
		"callrix,access,Zoé L.,zoe@example.org,2026-11-20,web,hi\n" + // another organisation: not a duplicate
		"callrix,access,Zoé L.,zoe@example.org,2026-11-21,web,hi again\n" // repeats the row above
	status, out, errOut := runCLI(t, env, "import", writeFile(t, "dup.csv", csv), "--db", db, "--json")
	if status != 0 || !strings.Contains(out, `"possible_duplicates":2`) {
		t.Fatalf("%d %s %s", status, out, errOut)
	}
	_, out, _ = runCLI(t, env, "list", "--json", "--db", db)
	var listed []struct {
		ID   string
		Tags []string
	}
	json.Unmarshal([]byte(out), &listed)
	tagged := map[string]bool{}
	for _, c := range listed {
		tagged[c.ID] = len(c.Tags) == 1 && c.Tags[0] == "possible-duplicate"
	}
	want := map[string]bool{caseID("crisp", 2026, 1, 1): false, caseID("crisp", 2026, 2, 2): true, caseID("crisp", 2026, 3, 3): false,
		caseID("callrix", 2026, 4, 1): false, caseID("callrix", 2026, 5, 2): true}
	for id, w := range want {
		if tagged[id] != w {
			t.Errorf("%s tagged %v, want %v", id, tagged[id], w)
		}
	}
}

// BenchmarkImport100k imports a 100,000-row CSV into a fresh database
// (target 10 s).
func BenchmarkImport100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(importHeader)
	orgs := []string{"crisp", "callrix", "closeq", "crmsoftware", "crystalqore"}
	for i := range 100_000 {
		fmt.Fprintf(&sb, "%s,access,Subject %d Łukasz,s%d@example.org,2026-%02d-%02dT10:00:00Z,email,please send my data\n",
			orgs[i%5], i, i, 8+i%3, 1+i%28) // August to October: before the clock
	}
	file := writeFile(b, "big.csv", sb.String())
	env := importEnv(b)
	for b.Loop() {
		db := initDB(b, filepath.Join(b.TempDir(), "cases.db"))
		status, _, errOut := runCLIb(b, env, "import", file, "--db", db)
		if status != 0 {
			b.Fatal(errOut)
		}
	}
}

// A refused import leaves a database that exists exactly as it was: not
// opened for writing at all.
func TestImportRefusedLeavesTheDatabaseAsItWas(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	if status, _, errOut := runCLI(t, env, "add", "--controller", "crisp", "--right", "access", "--subject", "Zoé", "--email", "zoe@example.org", "--db", db); status != 0 {
		t.Fatal(errOut)
	}
	_, before, _ := runCLI(t, env, "list", "--all", "--json", "--db", db)
	bytesBefore, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	good := "crisp,access,Jan,jan@example.org,2026-11-02,email,t\n"
	for _, tc := range []struct{ name, content, want string }{
		{"csv, a bad row inside a field over lines", importHeader + good + good + "crisp,access,Ana,ana@example.org,2026-11-02,carrier pigeon,\"a\nb\"\n" + good,
			`:4: unknown channel "carrier pigeon"`},
		{"json lines, the last row", `{"controller":"crisp","right":"access","subject":"Jan","email":"jan@example.org","received":"2026-11-02"}` + "\n\n" +
			`{"controller":"crisp","right":"access","subject":"Jan","email":"jan@example.org","received":"2026-11-23"}` + "\n",
			":3: the receipt time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "in", tc.content)
			status, out, errOut := runCLI(t, env, "import", file, "--db", db, "--json")
			if status != 2 || out != "" || !strings.HasPrefix(errOut, file+tc.want) || !strings.HasSuffix(errOut, "1 bad row in "+file+"; nothing was imported\n") {
				t.Fatalf("status %d, stdout %q, stderr %q", status, out, errOut)
			}
		})
	}
	_, after, _ := runCLI(t, env, "list", "--all", "--json", "--db", db)
	bytesAfter, _ := os.ReadFile(db)
	if after != before || string(bytesAfter) != string(bytesBefore) {
		t.Fatalf("the database changed:\n%s\n%s", before, after)
	}
}

// What came from the file is shown with its control characters made
// visible, in the reports and in the summary.
func TestImportReportsAreNeutralised(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	file := writeFile(t, "in\x1b[2J.csv", importHeader+"\x1b]0;owned\x07acme,access,X,x@example.org,2026-11-02,email,t\n"+
		"crisp,access,X,x@example.org,2026-11-02,email,t\n"+
		"crisp,\"access,\x1b[31merasure\",X,x@example.org,2026-11-02,email,t\n")
	status, _, errOut := runCLI(t, env, "import", file, "--db", db)
	if status != 2 || strings.ContainsAny(errOut, "\x1b\x07") || strings.Count(errOut, "\n") != 3 ||
		!strings.Contains(errOut, "in^[[2J.csv:2: unknown organisation") || !strings.Contains(errOut, "in^[[2J.csv:4: ") {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
}

func TestImportJSONLinesWithSeveralRights(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	jsonl := `{"controller":"callrix","right":["access","portability"],"subject":"Sofie Peeters","email":"sofie@example.net","received":"2026-11-10T14:00:00+01:00",` +
		`"channel":"portal","text":"export please","identifier":{"account":"A-7;B"},"requester":"Pieter Peeters","relation":"parent","regime":"eu-gdpr"}` + "\n" +
		`{"controller":"callrix","right":"access","subject":"Sofie P.","email":"SOFIE@example.net","received":"2026-11-11","channel":"email","text":"again"}` + "\n"
	status, out, errOut := runCLI(t, env, "import", writeFile(t, "in.ndjson", jsonl), "--db", db, "--json")
	first, second, third := caseID("callrix", 2026, 1, 1), caseID("callrix", 2026, 2, 2), caseID("callrix", 2026, 3, 3)
	if status != 0 || out != `{"requests":2,"cases":3,"possible_duplicates":1,"ids":["`+first+`","`+second+`","`+third+`"]}`+"\n" {
		t.Fatalf("%d %q %q", status, out, errOut)
	}
	_, out, _ = runCLI(t, env, "show", second, "--json", "--db", db)
	var v struct {
		RequestID string   `json:"request_id"`
		Linked    []string `json:"linked"`
		Right     string
		Subject   struct{ Identifiers map[string]string }
		Requester struct{ Name, Relation string }
		Channel   string
		Regime    string
		Tags      []string
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.RequestID != first || len(v.Linked) != 1 || v.Linked[0] != first || v.Right != "portability" ||
		v.Subject.Identifiers["account"] != "A-7;B" || v.Requester.Relation != "parent" || v.Channel != "portal" || v.Regime != "eu-gdpr" || len(v.Tags) != 0 {
		t.Fatalf("%+v", v)
	}
	_, out, _ = runCLI(t, env, "show", third, "--db", db)
	if !strings.Contains(out, "possible-duplicate") || !strings.Contains(out, "importer") {
		t.Fatalf("the repeat's timeline lacks the tag:\n%s", out)
	}
}

// TestImportBoundsText: a 5 MB name in an import is refused at its line,
// saying how long it is and what the bound is, and nothing is imported.
func TestImportBoundsText(t *testing.T) {
	env := importEnv(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	big := strings.Repeat("x", 5<<20)
	file := writeFile(t, "in.csv", importHeader+"crisp,access,Ana,ana@example.org,2026-11-02,email,t\n"+
		"crisp,access,"+big+",b@example.org,2026-11-02,email,t\n")
	before := readBytes(t, db)
	status, _, errOut := runCLI(t, env, "import", file, "--db", db)
	if status != 2 || !strings.Contains(errOut, "in.csv:3: subject is 5.0 MB long: at most 1 KB") || len(errOut) > 1000 {
		t.Fatalf("status %d, stderr %.300q", status, errOut)
	}
	if !bytes.Equal(readBytes(t, db), before) {
		t.Error("a refused import changed the database")
	}
}
