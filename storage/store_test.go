package storage

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

var (
	testNow   = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	testRules = cases.Rules{Regime: "eu-gdpr", Zone: "Europe/Paris", Calendar: "FR"}
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return created(t, filepath.Join(t.TempDir(), "db", "cases.db"), Options{LockTimeout: 300 * time.Millisecond})
}

func addCase(t *testing.T, s *Store, name string, rights ...cases.Right) []*cases.Case {
	t.Helper()
	if len(rights) == 0 {
		rights = []cases.Right{cases.RightAccess}
	}
	cs, err := s.Add(cases.Intake{Controller: "crisp", Rights: rights,
		Subject:    cases.Subject{Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.org"},
		ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, testRules, testNow, "dpo")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestAddGetApply(t *testing.T) {
	s := newStore(t)
	cs := addCase(t, s, "Zoé Lefèvre", cases.RightAccess, cases.RightErasure)
	if cs[0].ID != "DSR-2026-000001" || cs[1].ID != "DSR-2026-000002" || cs[1].RequestID != cs[0].ID ||
		len(cs[0].Linked) != 1 || cs[0].Linked[0] != cs[1].ID {
		t.Fatalf("IDs and links: %s %s %s %v", cs[0].ID, cs[1].ID, cs[1].RequestID, cs[0].Linked)
	}
	info, err := os.Stat(s.Path())
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v", info.Mode())
	}
	dir, _ := os.Stat(filepath.Dir(s.Path()))
	if dir.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v", dir.Mode())
	}
	l, err := s.Get(cs[0].ID)
	if err != nil || l.Revision != 1 || l.Case.Subject.Name != "Zoé Lefèvre" || len(l.Case.Events) != 1 {
		t.Fatalf("get: %+v %v", l, err)
	}
	res, err := s.Apply(cs[0].ID, cases.Event{Kind: cases.EventAcknowledged, Actor: "anna"}, 1, testNow)
	if err != nil || res.Revision != 2 || res.View.Status != cases.StatusInProgress {
		t.Fatalf("apply: %+v %v", res, err)
	}
	// The revision the caller showed is stale: refused, naming who changed it.
	_, err = s.Apply(cs[0].ID, cases.Event{Kind: cases.EventNoted, Text: "x", Actor: "ben"}, 1, testNow)
	var conflict *Conflict
	if !errors.As(err, &conflict) || conflict.Revision != 2 || conflict.UpdatedBy != "anna" {
		t.Fatalf("conflict: %v", err)
	}
	// A refused action changes nothing.
	_, err = s.Apply(cs[0].ID, cases.Event{Kind: cases.EventIDReceived, Actor: "ben"}, NoRevision, testNow)
	var refused *cases.Refused
	if !errors.As(err, &refused) {
		t.Fatalf("refusal: %v", err)
	}
	if l, _ := s.Get(cs[0].ID); l.Revision != 2 {
		t.Fatalf("refusal changed the revision to %d", l.Revision)
	}
	var nf *NotFound
	if _, err := s.Get("DSR-2026-999999"); !errors.As(err, &nf) {
		t.Fatalf("unknown ID: %v", err)
	}
	last, ids, err := s.Changes(2)
	if err != nil || last != 3 || len(ids) != 1 || ids[0] != cs[0].ID {
		t.Fatalf("changes since 2: %d %v %v", last, ids, err)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

func TestListOrderAndIndex(t *testing.T) {
	s := newStore(t)
	a := addCase(t, s, "Anna A")[0]
	b := addCase(t, s, "Bruno B")[0]
	c := addCase(t, s, "Chloé C")[0]
	// b is paused (identity asked), c is closed, a runs: a, then b, then c.
	if _, err := s.Apply(b.ID, cases.Event{Kind: cases.EventIDRequested, Reason: "doubt", Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(c.ID, cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeWithdrawn, Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	views, err := collect(s, Filter{All: true}, testNow)
	if err != nil || len(views) != 3 || views[0].Summary.ID != a.ID || views[1].Summary.ID != b.ID || views[2].Summary.ID != c.ID {
		t.Fatalf("urgency order: %v", ids(views))
	}
	queue, changes, err := s.Queue(testNow)
	if err != nil || len(queue) != 3 || queue[0].ID != a.ID || queue[2].ID != c.ID || changes != 5 {
		t.Fatalf("queue: %v %d %v", queue, changes, err)
	}
	if queue[1].Clock != cases.ClockPaused || queue[2].Outcome != cases.OutcomeWithdrawn || queue[0].SubjectName != "Anna A" {
		t.Fatalf("queue rows: %+v", queue)
	}
	if views, _ := collect(s, Filter{}, testNow); len(views) != 2 {
		t.Fatalf("open only: %v", ids(views))
	}
	// a is due 2 April 2026 (end of day in Paris): overdue on 3 April, not on 1 April.
	if views, _ := collect(s, Filter{Overdue: true}, time.Date(2026, 4, 3, 12, 0, 0, 0, time.UTC)); len(views) != 1 || views[0].Summary.ID != a.ID {
		t.Fatalf("overdue: %v", ids(views))
	}
	if views, _ := collect(s, Filter{Overdue: true}, time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)); len(views) != 0 {
		t.Fatalf("not yet overdue: %v", ids(views))
	}
	if views, _ := collect(s, Filter{DueWithin: 7 * 24 * time.Hour}, time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC)); len(views) != 1 {
		t.Fatalf("due within 7 days: %v", ids(views))
	}
	if views, _ := collect(s, Filter{Query: "chloé", All: true}, testNow); len(views) != 1 || views[0].Summary.ID != c.ID {
		t.Fatalf("query: %v", ids(views))
	}
}

// listed is one case List emitted, kept.
type listed struct {
	Summary cases.Summary
	JSON    []byte
}

// collect runs List and keeps what it emits.
func collect(s *Store, f Filter, now time.Time) ([]listed, error) {
	var out []listed
	err := s.List(f, now, func(sum *cases.Summary, view func() []byte) error {
		out = append(out, listed{Summary: *sum, JSON: bytes.Clone(view())})
		return nil
	})
	return out, err
}

func ids(ls []listed) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Summary.ID)
	}
	return out
}

func TestTamperedChainIsFound(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Jan Kowalski")[0].ID
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventNoted, Text: "called back", Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	// Rewrite the note in place, as someone editing the file would.
	db, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = kv.Update(db, func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		v := tl.get(2)
		return tl.put(2, []byte(strings.Replace(string(v), "called back", "never called", 1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check()
	if err != nil || len(problems) != 1 || problems[0].CaseID != id || !strings.Contains(problems[0].Detail, "altered") {
		t.Fatalf("check: %v %v", problems, err)
	}
}

func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := newStore(t)
	// Enough cases that every truncation below cuts pages in use.
	for i := 0; i < 150; i++ {
		addCase(t, good, "Anna A")
	}
	content, err := os.ReadFile(good.Path())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) *Store {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return Open(p, Options{LockTimeout: 200 * time.Millisecond})
	}
	random := make([]byte, 20000)
	for i := range random {
		random[i] = byte(i*7919 + i/13)
	}
	tests := []struct {
		name string
		s    *Store
		want error
	}{
		{"random bytes", write("random.db", random), ErrForeign},
		{"text file", write("notes.db", []byte("just some notes\n")), ErrForeign},
		{"truncated in the first page", write("t1.db", content[:100]), ErrDamaged},
		{"truncated after the meta pages", write("t2.db", content[:8192+100]), ErrDamaged},
		{"truncated to half", write("t3.db", content[:len(content)/2]), ErrDamaged},
		{"the last page in use cut off", write("t4.db", content[:inUse(t, content)-4096]), ErrDamaged},
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, _ := bolt.Open(foreign, 0o600, nil)
	_ = kv.Update(db, func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	db.Close()
	tests = append(tests, struct {
		name string
		s    *Store
		want error
	}{"another program's bbolt file", Open(foreign, Options{}), ErrForeign})
	newer := filepath.Join(dir, "newer.db")
	db, _ = bolt.Open(newer, 0o600, nil)
	_ = kv.Update(db, func(tx kv.Tx) error {
		if err := createSchema(tx, SchemaVersion, testNow); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("99"))
	})
	db.Close()
	tests = append(tests, struct {
		name string
		s    *Store
		want error
	}{"a newer schema", Open(newer, Options{}), ErrNewer})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(tt.s.Path())
			_, err := collect(tt.s, Filter{}, testNow)
			if !errors.Is(err, tt.want) {
				t.Fatalf("list: %v, want %v", err, tt.want)
			}
			_, err = tt.s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
				Subject: cases.Subject{Name: "X", Email: "x@example.org"}}, testRules, testNow, "dpo")
			if !errors.Is(err, tt.want) {
				t.Fatalf("add: %v, want %v", err, tt.want)
			}
			if strings.Contains(strings.ToLower(err.Error()), "panic") {
				t.Fatalf("message mentions a panic: %v", err)
			}
			after, _ := os.ReadFile(tt.s.Path())
			if string(before) != string(after) {
				t.Fatalf("the damaged file was modified")
			}
		})
	}
}

// TestOnlyInitCreatesADatabase: a read of a missing file finds nothing and
// creates nothing; a write to it is refused with a NoDatabaseError naming
// the path and how to make one, and makes neither the file nor its
// folders (a mistyped path made both).
func TestOnlyInitCreatesADatabase(t *testing.T) {
	fileOnly(t, "a missing file refused as no database (a replica's file is made where missing, as the cluster's copy)")
	parent := t.TempDir()
	path := filepath.Join(parent, "typo", "cases.db")
	s := Open(path, Options{})
	views, err := collect(s, Filter{}, testNow)
	if err != nil || len(views) != 0 {
		t.Fatalf("list on no file: %v %v", views, err)
	}
	_, err = s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Paula P", Email: "paula@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo")
	var missing *NoDatabaseError
	if !errors.As(err, &missing) || missing.Path != path || !strings.Contains(err.Error(), "rightsdesk init --db "+path) {
		t.Errorf("a write to a missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused write made the folder: %v", err)
	}
	if err := Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(cases.Intake{Controller: "crisp", Rights: []cases.Right{cases.RightAccess},
		Subject: cases.Subject{Name: "Paula P", Email: "paula@example.org"}, ReceivedAt: testNow}, testRules, testNow, "dpo"); err != nil {
		t.Errorf("a write after init: %v", err)
	}
}

// inUse is how many bytes of a bbolt file its newest meta page says are in
// use (bbolt preallocates beyond that).
func inUse(t *testing.T, b []byte) int {
	m0, ok0 := readMeta(b, 0)
	m1, ok1 := readMeta(b, int(m0.pageSize))
	if !ok0 || !ok1 {
		t.Fatal("fixture has invalid meta pages")
	}
	if m1.txid > m0.txid {
		m0 = m1
	}
	return int(m0.highWater) * int(m0.pageSize)
}

// TestErrorsNameTheFileOnce: an error that already names the file (an
// *fs.PathError) is not wrapped in a second "open FILE:".
func TestErrorsNameTheFileOnce(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notDir, "cases.db") // a file where a folder should be
	err := preflight(path, false, false)
	if err == nil || strings.Count(err.Error(), path) != 1 {
		t.Errorf("the path should appear once: %#v", err)
	}
}

// TestInitLeavesOthersFoldersAlone: init changes the mode of no folder it
// did not create; a folder others can write in is refused and left as it
// was; a folder it creates gets 0700.
func TestInitLeavesOthersFoldersAlone(t *testing.T) {
	open := t.TempDir()
	if err := os.Chmod(open, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	err := Init(filepath.Join(open, "cases.db"), false, "")
	if err == nil || !strings.Contains(err.Error(), "anyone can write") {
		t.Errorf("init in a 1777 folder: %v", err)
	}
	if info, _ := os.Stat(open); info.Mode()&fs.ModePerm != 0o777 || info.Mode()&fs.ModeSticky == 0 {
		t.Errorf("the folder's mode changed to %v", info.Mode())
	}
	if _, err := os.Stat(filepath.Join(open, "cases.db")); err == nil {
		t.Error("a database was made in it")
	}

	readable := t.TempDir()
	if err := os.Chmod(readable, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Init(filepath.Join(readable, "cases.db"), false, ""); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(readable); info.Mode().Perm() != 0o755 {
		t.Errorf("an existing folder's mode changed to %v", info.Mode())
	}
	if info, _ := os.Stat(filepath.Join(readable, "cases.db")); info.Mode().Perm() != 0o600 {
		t.Errorf("the database is %v, want 0600", info.Mode())
	}

	fresh := filepath.Join(t.TempDir(), "new", "cases.db")
	if err := Init(fresh, false, ""); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(filepath.Dir(fresh)); info.Mode().Perm() != 0o700 {
		t.Errorf("a created folder is %v, want 0700", info.Mode())
	}
}

// TestSpecialFilesAreRefusedAtOnce: a named pipe or a folder at the
// database's path is refused as not a database, at once: opening a pipe
// would wait for a writer for ever.
func TestSpecialFilesAreRefusedAtOnce(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "cases.db")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	for _, path := range []string{pipe, t.TempDir()} {
		done := make(chan error, 1)
		go func() {
			_, _, err := Open(path, Options{LockTimeout: 100 * time.Millisecond}).Queue(testNow)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s: still waiting after a second", path)
		}
	}
}

// TestCheckOfAFileItCannotReachIsNotOK: a database the caller cannot look
// at is an error naming why, never "no database" (which check reports as
// nothing wrong). Root enters any folder, so under root the refusal is
// shown with a path whose lookup fails for another reason than absence (a
// symbolic link to itself): the same decision, made on the lookup's error.
func TestCheckOfAFileItCannotReachIsNotOK(t *testing.T) {
	loop := filepath.Join(t.TempDir(), "cases.db")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	if problems, err := Open(loop, Options{}).Check(); err == nil || errors.Is(err, ErrNoDatabase) {
		t.Errorf("check of an unreachable path: %v %v", problems, err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root may enter any folder: permission denied cannot be shown")
	}
	dir := filepath.Join(t.TempDir(), "team")
	if err := Init(filepath.Join(dir, "cases.db"), false, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := Open(filepath.Join(dir, "cases.db"), Options{}).Check()
	if !errors.Is(err, fs.ErrPermission) || strings.Count(err.Error(), "cases.db") != 1 {
		t.Errorf("check of a database in a folder the caller cannot enter: %v", err)
	}
}

// created is a new database at path, made as the product makes one (only
// init creates a database), opened with opts.
func created(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	if err := Init(path, false, ""); err != nil {
		t.Fatal(err)
	}
	return Open(path, opts)
}

// TestLostSetgidKeepsTheTeamsFile: a team's database (0660) whose folder
// lost its setgid bit stays 0660 after a write and a purge's compaction:
// the next writer does not make it private to itself and lock the team out.
func TestLostSetgidKeepsTheTeamsFile(t *testing.T) {
	s := created(t, filepath.Join(t.TempDir(), "team", "cases.db"), Options{})
	if err := os.Chmod(s.Path(), 0o660); err != nil {
		t.Fatal(err)
	}
	if !IsShared(s.Path()) {
		t.Fatal("a group-writable database is a team's, whatever its folder")
	}
	s = Open(s.Path(), Options{Shared: IsShared(s.Path())})
	oldCase(t, s, "Aurélie Ancienne", time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC), "ANCIENTMARKER")
	plan, err := s.Purge(func(string) (Retention, bool) { return Retention{CopiesMonths: 6, RecordYears: 3}, true },
		time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), "dpo", false)
	if err != nil || len(plan.Items) != 1 {
		t.Fatalf("purge: %+v %v", plan, err)
	}
	if info, _ := os.Stat(s.Path()); info.Mode().Perm() != 0o660 {
		t.Errorf("the team's database became %v", info.Mode().Perm())
	}
}

// TestAFaultReadingTheFileIsSaidInWords: a fault met reading the file (a
// recovered panic) is the damaged file's one line in words, never the
// runtime's ("slice bounds out of range [::4223719541]", as a truncated
// page table gave).
func TestAFaultReadingTheFileIsSaidInWords(t *testing.T) {
	s := newStore(t)
	err := s.guarded(func() error {
		var b []byte
		n := 4223719541
		_ = b[:n] // the fault a page offset beyond the file makes
		return nil
	})
	if !errors.Is(err, ErrDamaged) || strings.Contains(err.Error(), "runtime") || strings.Contains(err.Error(), "out of range") ||
		!strings.Contains(err.Error(), "some of its pages cannot be read") {
		t.Fatalf("%v", err)
	}
}
