package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// hermetic keeps the user's own register folder out of the tests.
func hermetic(t *testing.T) map[string]string {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "HOME": t.TempDir()}
	if status, _, errOut := runCLI(t, env, "init"); status != exitOK {
		t.Fatalf("init: %s", errOut)
	}
	return env
}

// initDB makes a database at path as the product does (only init and demo
// create one) and returns path.
func initDB(t testing.TB, path string) string {
	t.Helper()
	if status, _, errOut := runCLIb(t, nil, "init", "--db", path); status != exitOK {
		t.Fatalf("init: %s", errOut)
	}
	return path
}

func TestControllersList(t *testing.T) {
	status, out, errOut := runCLI(t, hermetic(t), "controllers")
	if status != exitOK || errOut != "" {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	for _, want := range []string{"ID", "REGIME", "ZONE", "PROMISE", "AUTHORITY", "GAPS",
		"callrix", "KCraft Studio LTD", "Asia/Nicosia*", "closeq", "Europe/Warsaw*", "crisp", "crmsoftware",
		"America/Los_Angeles*", "crystalqore"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}

func TestControllersListJSON(t *testing.T) {
	status, out, errOut := runCLI(t, hermetic(t), "controllers", "--json")
	if status != exitOK || errOut != "" {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("--json must print exactly one line: %q", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	// Expected values from the policies: Callrix and CloseQ promise 30
	// days and name their authority; Crisp and CRMSoftware.ai promise
	// nothing; CrystalQore promises 30 days and names no authority.
	want := map[string]struct {
		regime, zone string
		promise      any
		authority    any
	}{
		"callrix":     {"eu-gdpr", "Asia/Nicosia", 30.0, "Commissioner for Personal Data Protection"},
		"closeq":      {"eu-gdpr", "Europe/Warsaw", 30.0, "Prezes Urzędu Ochrony Danych Osobowych (PUODO)"},
		"crisp":       {"eu-gdpr", "Europe/Paris", nil, "Commission Nationale de l'Informatique et des Libertés (CNIL)"},
		"crmsoftware": {"eu-gdpr", "America/Los_Angeles", nil, nil},
		"crystalqore": {"eu-gdpr", "Europe/Brussels", 30.0, nil},
	}
	if len(list) != len(want) {
		t.Fatalf("%d organisations, want %d", len(list), len(want))
	}
	for _, o := range list {
		id, _ := o["id"].(string)
		w, ok := want[id]
		if !ok {
			t.Errorf("unexpected organisation %q", id)
			continue
		}
		if o["regime"] != w.regime || o["tz"] != w.zone || o["promise_days"] != w.promise || o["authority"] != w.authority {
			t.Errorf("%s: %v", id, o)
		}
		if gaps, _ := o["gaps"].(float64); gaps < 1 {
			t.Errorf("%s: gaps = %v; every policy leaves something to confirm", id, o["gaps"])
		}
	}
}

func TestControllersOne(t *testing.T) {
	status, out, errOut := runCLI(t, hermetic(t), "controllers", "callrix")
	if status != exitOK || errOut != "" {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	for _, want := range []string{"callrix: KCraft Studio LTD", "[seed: 13. Supervisory Authority]",
		"www.dataprotection.gov.cy", "Hetzner Online GmbH", "LiveKit, Inc.", "[assumed, confirm: R1:",
		"regimes: eu-gdpr, processor-forward", "gaps (", "- missing address:"} {
		if !strings.Contains(out, want) {
			t.Errorf("callrix lacks %q", want)
		}
	}
	// Flags anywhere; the full register in JSON, one line.
	status, out, errOut = runCLI(t, hermetic(t), "controllers", "--json", "crmsoftware")
	if status != exitOK || errOut != "" || strings.Count(out, "\n") != 1 {
		t.Fatalf("status %d, stderr %q, %d lines", status, errOut, strings.Count(out, "\n"))
	}
	var reg struct {
		ID        string `json:"id"`
		LegalName struct {
			Value  *string `json:"value"`
			Source string  `json:"source"`
		} `json:"legal_name"`
		Clock struct {
			Zone struct{ Value, Source, Rule string } `json:"zone"`
		} `json:"clock"`
		Regimes []string       `json:"regimes"`
		Gaps    []register.Gap `json:"gaps"`
	}
	if err := json.Unmarshal([]byte(out), &reg); err != nil {
		t.Fatal(err)
	}
	if reg.ID != "crmsoftware" || reg.LegalName.Value != nil || reg.LegalName.Source != "missing" ||
		reg.Clock.Zone.Value != "America/Los_Angeles" || reg.Clock.Zone.Source != "assumed" || reg.Clock.Zone.Rule == "" {
		t.Errorf("register: %+v", reg)
	}
	kinds := map[string]bool{}
	for _, g := range reg.Gaps {
		kinds[g.Kind] = true
	}
	for _, k := range []string{"missing", "invalid-transfer-mechanism", "postal-route"} {
		if !kinds[k] {
			t.Errorf("crmsoftware gaps lack %s: %v", k, reg.Gaps)
		}
	}
}

func TestControllersErrors(t *testing.T) {
	broken := filepath.Join("cases", "register", "testdata", "registers", "unknown-zone")
	tests := []struct {
		name string
		args []string
		want *regexp.Regexp
	}{
		{"unknown organisation", []string{"controllers", "nobody"},
			regexp.MustCompile(`^rightsdesk: controllers: unknown organisation "nobody" \(known: callrix, closeq, crisp, crmsoftware, crystalqore\)\n$`)},
		{"invalid register", []string{"controllers", "--registers", broken},
			regexp.MustCompile(`^rightsdesk: cases/register/testdata/registers/unknown-zone/acme\.toml:22: clock\.zone: unknown time zone "Europe/Bruxelles".*\n$`)},
		{"no such folder", []string{"controllers", "--registers", "no/such/folder"},
			regexp.MustCompile(`^rightsdesk: --registers: .*no/such/folder.*\n$`)},
		{"two organisations", []string{"controllers", "crisp", "callrix"}, regexp.MustCompile(`^rightsdesk: controllers: one organisation at a time`)},
		{"unknown flag", []string{"controllers", "--yaml"}, regexp.MustCompile(`^rightsdesk: controllers: unknown flag`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errOut := runCLI(t, hermetic(t), tt.args...)
			if status != exitUsage || out != "" || !tt.want.MatchString(errOut) {
				t.Errorf("status %d, stdout %q, stderr %q", status, out, errOut)
			}
		})
	}
}

// TestControllersOverrides: a file in the override folder is not applied
// (the registers live in the database) and controllers says how to import
// it; imported, it is the next version; --registers lays a folder over the
// stored registers for one command, marked as not stored.
func TestControllersOverrides(t *testing.T) {
	rs, err := register.LoadRegisters(register.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	crisp, _ := rs.Get("crisp")
	src := strings.Replace(string(crisp.Source()), "version = 1\n", "version = 7\n", 1)
	// A name with a terminal escape sequence must not reach the terminal.
	src = regexp.MustCompile(`(?m)^legal_name = .*$`).ReplaceAllString(src,
		`legal_name = { value = "Crisp \u001b[31mSAS", source = "dpo" }`)
	env := hermetic(t)
	db := initDB(t, filepath.Join(t.TempDir(), "cases.db"))
	dir := filepath.Join(env["XDG_CONFIG_HOME"], "rightsdesk", "registers")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "crisp.toml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	status, out, errOut := runCLI(t, env, "controllers", "crisp", "--db", db)
	if status != exitOK || !strings.Contains(out, "version 1 (sha256 ") || strings.Contains(out, "Crisp ^[[31mSAS") {
		t.Fatalf("status %d, the override was applied:\n%s", status, out)
	}
	if want := "rightsdesk controllers crisp import " + file; !strings.Contains(errOut, want) || !strings.Contains(errOut, "not applied") {
		t.Errorf("controllers does not say how to import the override: %q", errOut)
	}
	env["RIGHTSDESK_ACTOR"] = "anna"
	if status, out, errOut := runCLI(t, env, "controllers", "crisp", "import", file, "--db", db); status != exitOK ||
		!strings.HasPrefix(out, "crisp: version 2 stored (sha256 ") || !strings.Contains(out, " by anna: imported from crisp.toml") {
		t.Fatalf("import: %d %q %q", status, out, errOut)
	}
	status, out, errOut = runCLI(t, env, "controllers", "crisp", "--db", db)
	if status != exitOK || !strings.Contains(out, "version 2 (sha256 ") || errOut != "" {
		t.Fatalf("status %d, stderr %q, the import is not the register in use:\n%s", status, errOut, out)
	}
	if strings.Contains(out, "\x1b") || !strings.Contains(out, "Crisp ^[[31mSAS") {
		t.Errorf("control characters reach the terminal:\n%s", out)
	}
	// The stored TOML says which version it is.
	if _, out, _ = runCLI(t, env, "controllers", "crisp", "--toml", "--db", db); !strings.Contains(out, "\nversion = 2\n") {
		t.Errorf("--toml: the version line is not the stored number:\n%.300s", out)
	}
	// --registers wins for one command, and says it is not stored.
	flagDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(flagDir, "crisp.toml"),
		[]byte(strings.Replace(src, "version = 7\n", "version = 8\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ = runCLI(t, env, "controllers", "--json", "--registers", flagDir, "--db", db)
	if !strings.Contains(out, `"id":"crisp","name":"Crisp \u001b[31mSAS","legal_name":"Crisp \u001b[31mSAS","version":"8 from `+
		filepath.ToSlash(filepath.Join(flagDir, "crisp.toml"))+`, not stored"`) {
		t.Errorf("--registers did not win: %s", out)
	}
}

// TestColumnsCountTerminalCells: the register list's columns line up for
// wide characters (two cells each) and combining accents (none), which a
// count of runes gets wrong.
func TestColumnsCountTerminalCells(t *testing.T) {
	for _, tt := range []struct {
		in        string
		n         int
		pad, clip string
	}{
		{"Urzędu", 8, "Urzędu  ", "Urzędu"},
		{"東京都", 8, "東京都  ", "東京都"},                                                             // 6 cells
		{"東京都庁舎ビル", 8, "東京都庁舎ビル", "東京都…"},                                                      // 14 cells: cut to 7 with the ellipsis
		{"Zoe\u0301 Lefe\u0300vre", 12, "Zoe\u0301 Lefe\u0300vre ", "Zoe\u0301 Lefe\u0300vre"}, // 11 cells, 13 runes
		{"Crisp SAS", 5, "Crisp SAS", "Cris…"},
	} {
		if got := pad(tt.in, tt.n); got != tt.pad || (ansi.StringWidth(tt.in) <= tt.n && ansi.StringWidth(got) != tt.n) {
			t.Errorf("pad(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.pad)
		}
		if got := clip(tt.in, tt.n); got != tt.clip || ansi.StringWidth(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q (%d cells), want %q", tt.in, tt.n, got, ansi.StringWidth(got), tt.clip)
		}
	}
}

// BenchmarkRegistersIn: reading and checking the stored registers (the
// five built in) is on the terminal app's way to its first frame.
func BenchmarkRegistersIn(b *testing.B) {
	db := filepath.Join(b.TempDir(), "cases.db")
	env := map[string]string{"RIGHTSDESK_NOW": "2026-03-10T12:00:00Z", "XDG_CONFIG_HOME": b.TempDir()}
	if status := run([]string{"init", "--db", db}, io.Discard, io.Discard, func(k string) string { return env[k] }); status != 0 {
		b.Fatalf("init: %d", status)
	}
	st := storage.Open(db, storage.Options{})
	defer st.Close()
	for b.Loop() {
		regs, err := registersIn(st, "")
		if err != nil || len(regs.All()) < 5 {
			b.Fatalf("%v, %d registers", err, len(regs.All()))
		}
	}
}

// TestShortCommandsReadNoRegister: the commands that record a case's own
// event or list the stored cases (note, list, show) read no register (a
// case keeps the rules frozen from the version it was opened under), so a
// stored register that no longer parses does not stop them, nor cost them
// its parsing (issue 20); every command that needs registers still refuses
// with the one line naming the version.
func TestShortCommandsReadNoRegister(t *testing.T) {
	d := newDesk(t, "2026-03-10T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2026-03-02")
	releaseDB(d.db)
	storeBrokenRegister(t, d.db, "crisp", 2, "this is = = not TOML\n")
	for _, args := range [][]string{{"note", id, "--text", "called back"}, {"list", "--json"}, {"list", "--overdue"}, {"show", id}} {
		if status, _, errOut := d.run(args...); status != exitOK {
			t.Errorf("%s with a register that does not parse: %d %q", args[0], status, errOut)
		}
	}
	const want = "register crisp version 2: database/crisp.toml:1: "
	for _, args := range [][]string{{"controllers"}, {"controllers", "crisp"},
		{"add", "--controller", "callrix", "--right", "access", "--subject", "Ana", "--email", "ana@example.org"}} {
		status, _, errOut := d.run(args...)
		if status != exitUsage || !strings.HasPrefix(errOut, "rightsdesk: ") || !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s with a register that does not parse: %d %q, want exit 2 and one line saying %q", args[0], status, errOut, want)
		}
	}
}

// storeBrokenRegister puts toml as version n of register id straight into
// the file, as a register stored by an older or damaged program would be:
// the store checks what it stores, so no command can.
func storeBrokenRegister(t *testing.T, path, id string, n int, toml string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	head, _ := json.Marshal(storage.RegisterVersion{Register: id, Number: n, SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(toml))),
		Actor: "anna", At: time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC), Reason: "broken"})
	value := append(binary.AppendUvarint(nil, uint64(len(head))), head...)
	value = append(value, toml...)
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("registers")).Bucket([]byte(id)).Put(binary.BigEndian.AppendUint64(nil, uint64(n)), value)
	})
	if err != nil {
		t.Fatal(err)
	}
}
