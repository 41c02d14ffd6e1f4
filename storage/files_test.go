package storage

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/storage/kv"
)

// TestFilesLargeAndSmallReplaceEachOther: a file attached again under its
// name replaces the first, whether either is kept in the case's file set
// or stored alone, and a purge of the case's files leaves none of either.
func TestFilesLargeAndSmallReplaceEachOther(t *testing.T) {
	s := created(t, filepath.Join(t.TempDir(), "cases.db"), Options{})
	small, big := []byte("field,value\nname,Ana\n"), bytes.Repeat([]byte("x"), smallFile+1)
	steps := []struct {
		name    string
		content []byte
	}{{"a.csv", small}, {"b.bin", big}, {"a.csv", big}, {"b.bin", small}, {"c.txt", nil}}
	want := map[string]string{}
	for _, st := range steps {
		if err := s.update(func(tx kv.Tx) error { return putFile(tx, "DSR-2026-000001", st.name, st.content) }); err != nil {
			t.Fatal(err)
		}
		want[st.name] = string(st.content)
		got := map[string]string{}
		_ = s.view(func(tx kv.Tx) error {
			return eachFile(tx, "DSR-2026-000001", func(name string, content []byte) error {
				got[name] = string(content)
				return nil
			})
		})
		if !maps.Equal(got, want) {
			t.Fatalf("after %s of %d bytes: %d files listed, want %d", st.name, len(st.content), len(got), len(want))
		}
	}
	// A neighbour whose ID starts with the case's keeps its files.
	if err := s.update(func(tx kv.Tx) error { return putFile(tx, "DSR-2026-0000010", "d.bin", big) }); err != nil {
		t.Fatal(err)
	}
	err := s.update(func(tx kv.Tx) error { return deleteFiles(tx, "DSR-2026-000001") })
	if err != nil {
		t.Fatal(err)
	}
	_ = s.view(func(tx kv.Tx) error {
		n := tx.Bucket(bucketAttached).Bolt().Stats().KeyN
		if v, _ := fileOf(tx, "DSR-2026-0000010", "d.bin"); n != 1 || !bytes.Equal(v, big) {
			t.Errorf("after deleting a case's files: %d entries left, its neighbour's file %d bytes", n, len(v))
		}
		return nil
	})
}

// BenchmarkPutFiles is what a bulk load spends on a demo case's files:
// three CSV exports of a subject, put in one write as the case's file set.
func BenchmarkPutFiles(b *testing.B) {
	s := created(b, filepath.Join(b.TempDir(), "cases.db"), Options{})
	names := []string{"logs-export.csv", "stripe-export.csv", "support-export.csv"}
	var contents [][]byte
	for _, system := range []string{"our server and access logs", "our payment records at Stripe", "our support correspondence"} {
		contents = append(contents, []byte("field,value\nname,Chrysanthi Papadopoulou\nemail,chrysanthi.papadopoulou364@example.net\nsystem,"+system+"\n"))
	}
	err := s.update(func(tx kv.Tx) error {
		n := 0
		for b.Loop() {
			n++
			if err := putFiles(tx, fmt.Sprintf("DSR-2026-%06d", n), names, contents); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// TestCheckNamesFilesOutOfPlace: check names a file set that does not
// read, files of a case that does not exist, and a bucket of schema 8's
// files left beside schema 9's; a case's files as attached pass.
func TestCheckNamesFilesOutOfPlace(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := s.Do(id, []Action{attach("orders.csv", "", []byte("order,date\n1042,2026-01-05\n"))}, testNow); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check of a case's files as attached: %v %v", p, err)
	}
	for _, damage := range []struct {
		what string
		do   func(tx kv.Tx) error
		want string
	}{
		{"a file set cut short", func(tx kv.Tx) error {
			v := tx.Bucket(bucketAttached).Get([]byte(id))
			return tx.Bucket(bucketAttached).Put([]byte(id), append([]byte{fileSetPlain}, v[1:len(v)/2]...))
		}, "unreadable"},
		{"files of no case", func(tx kv.Tx) error {
			return putFile(tx, "DSR-2026-999999", "x.csv", []byte("x"))
		}, "does not exist"},
		{"schema 8's bucket left", func(tx kv.Tx) error {
			_, err := tx.CreateBucket(bucketFiles)
			return err
		}, "schema 8"},
	} {
		s := newStore(t)
		id = addCase(t, s, "Zoé Lefèvre")[0].ID
		if _, err := s.Do(id, []Action{attach("orders.csv", "", []byte("order,date\n1042,2026-01-05\n"))}, testNow); err != nil {
			t.Fatal(err)
		}
		if err := s.update(damage.do); err != nil {
			t.Fatal(err)
		}
		p, err := s.Check()
		found := false
		for _, q := range p {
			found = found || strings.Contains(q.Detail, damage.want)
		}
		if err != nil || !found {
			t.Errorf("%s: check says %v %v", damage.what, p, err)
		}
	}
}
