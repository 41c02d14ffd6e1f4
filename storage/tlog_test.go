package storage

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// withBolt edits the database file with bbolt directly, as someone with
// write access to the file and no signing key could.
func withBolt(t *testing.T, s *Store, fn func(tx kv.Tx) error) {
	t.Helper()
	db, err := bolt.Open(s.Path(), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := kv.Update(db, fn); err != nil {
		t.Fatal(err)
	}
}

func noteCase(t *testing.T, s *Store, id, text string) {
	t.Helper()
	if _, err := s.Do(id, []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: text, Actor: "dpo"}, IfRevision: NoRevision}}, testNow); err != nil {
		t.Fatal(err)
	}
}

func mustCheck(t *testing.T, s *Store) {
	t.Helper()
	problems, err := s.Check()
	if err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

// caught asserts that check reports a problem naming want.
func caught(t *testing.T, problems []Problem, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.Contains(p.String(), want) {
			return
		}
	}
	t.Fatalf("no problem mentions %q: %v", want, problems)
}

func TestCheckCatchesTheLastEventRemovedAndTheHeadRewound(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	addCase(t, s, "Bob Stone")
	noteCase(t, s, id, "called the subject")
	var saved []byte
	withBolt(t, s, func(tx kv.Tx) error {
		saved = append([]byte(nil), tx.Bucket(bucketCases).Get([]byte(id))...)
		return nil
	})
	noteCase(t, s, id, "the subject withdrew the request")
	mustCheck(t, s)
	// The review's edit: the last event deleted, the case's record (head,
	// event count, revision) put back as it was before it.
	withBolt(t, s, func(tx kv.Tx) error {
		tl, _ := timelineOf(tx, id)
		var last uint64
		_ = tl.forEach(func(k, _ []byte) error { last = binary.BigEndian.Uint64(k); return nil })
		if err := tl.delete(last); err != nil {
			return err
		}
		return tx.Bucket(bucketCases).Put([]byte(id), saved)
	})
	problems, err := s.Check()
	caught(t, problems, err, "an event was removed")
}

// rechain rewrites the text of event seq of case id and recomputes its
// chain and head, as someone who knows the format but not the key could.
func rechain(t *testing.T, s *Store, id string, seq int, text string) {
	t.Helper()
	l, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	events := l.Case.Events
	withBolt(t, s, func(tx kv.Tx) error {
		raw := tx.Bucket(bucketCases).Get([]byte(id))
		old, err := loadRecord(tx, id)
		if err != nil {
			return err
		}
		fresh := &record{Case: &cases.Case{ID: id}}
		tl, _ := timelineOf(tx, id)
		for i, ev := range events {
			if i+1 == seq {
				ev.Text = text
			}
			env, err := fresh.chain(ev)
			if err != nil {
				return err
			}
			if err := tl.put(uint64(i+1), env); err != nil {
				return err
			}
		}
		if err := putRules(tx, fresh.blobs); err != nil {
			return err
		}
		return tx.Bucket(bucketCases).Put([]byte(id), bytes.ReplaceAll(raw, []byte(old.Head), []byte(fresh.Head)))
	})
}

// relog rebuilds every log from the timelines as they are now and signs
// new checkpoints with the database's key, as the key's holder could.
func relog(t *testing.T, s *Store) {
	t.Helper()
	withBolt(t, s, func(tx kv.Tx) error {
		for _, b := range [][]byte{bucketLogs, bucketLogLeaves, bucketCheckpoints} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		_, err := migrateLogs(tx, 1<<30, testNow.Add(time.Hour))
		return err
	})
}

func TestCheckCatchesARewrittenNoteWithItsChainRecomputed(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, id, "the subject sent a copy of her passport")
	noteCase(t, s, id, "identity verified")
	mustCheck(t, s)
	rechain(t, s, id, 2, "nothing was received")
	// The chain itself now verifies; the log does not hold these events.
	problems, err := s.Check()
	caught(t, problems, err, "stored hashes are not those")
	if l, _ := s.Get(id); l.Case.Events[1].Text != "nothing was received" {
		t.Fatalf("the edit did not take: %q", l.Case.Events[1].Text)
	}
	// Rebuilding the log too is no help without the key: the signed
	// checkpoint's root is not the one these events give.
	withBolt(t, s, func(tx kv.Tx) error {
		for _, b := range [][]byte{bucketLogs, bucketLogLeaves} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return rebuildLogsUnsigned(tx)
	})
	problems, err = s.Check()
	caught(t, problems, err, "do not give its root hash")
}

// rebuildLogsUnsigned appends every case's events to fresh logs and signs
// nothing.
func rebuildLogsUnsigned(tx kv.Tx) error {
	return tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		rec, err := loadRecord(tx, string(k))
		if err != nil {
			return err
		}
		tl, _ := timelineOf(tx, string(k))
		return tl.forEach(func(_, v []byte) error {
			return logEvent(tx, rec.Case, v)
		})
	})
}

func TestTheKeyHoldersRewriteAndRollbackShowAgainstAnExport(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, id, "identity verified")
	early, err := s.Checkpoints()
	if err != nil || len(early.Logs) != 1 || len(early.Keys) != 1 {
		t.Fatalf("%+v %v", early, err)
	}
	proof, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(t.TempDir(), "then.db")
	copyFile(t, s.Path(), snapshot)
	addCase(t, s, "Bob Stone")
	late, _ := s.Checkpoints()
	if p, err := s.CheckAgainst(early); err != nil || len(p) > 0 {
		t.Fatalf("an honest database against its earlier export: %v %v", p, err)
	}

	// A rewrite by the key's holder: chain, logs and checkpoints redone.
	rechain(t, s, id, 2, "nothing was received")
	relog(t, s)
	mustCheck(t, s) // with the key, the file alone cannot tell
	problems, err := s.CheckAgainst(early)
	caught(t, problems, err, "rewritten")
	problems, err = s.CheckAgainst(proof.Checkpoints())
	caught(t, problems, err, "rewritten")

	// A rollback: the earlier file put back.
	overwriteFile(t, snapshot, s.Path())
	mustCheck(t, s)
	problems, err = s.CheckAgainst(late)
	caught(t, problems, err, "rolled back")
}

// overwriteFile puts a copy of from in place of to, as someone who can
// replace the file could (a rollback).
func overwriteFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestALostKeyIsReplacedAndOldCheckpointsStillVerify(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	early, _ := s.Checkpoints()
	proof, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := KeyDir()
	keys, _ := filepath.Glob(filepath.Join(dir, "*.key"))
	if len(keys) != 1 {
		t.Fatalf("key files: %v", keys)
	}
	if info, _ := os.Stat(keys[0]); info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", info.Mode())
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Fatalf("key folder mode %v", info.Mode())
	}
	os.Remove(keys[0])
	// Without its key the database can sign nothing on demand...
	if _, err := s.Proof(id, 0); err == nil {
		t.Fatal("a proof was signed without the key")
	}
	// ...and the next change replaces the key, chained and reported.
	noteCase(t, s, id, "identity verified")
	evs, err := s.KeyEvents()
	if err != nil || len(evs) != 2 || evs[0].Kind != KeyCreated || evs[1].Kind != KeyReplaced ||
		!strings.Contains(evs[1].Reason, "missing") || evs[0].Key == evs[1].Key {
		t.Fatalf("key events %+v %v", evs, err)
	}
	mustCheck(t, s) // the day's checkpoint now signed by the new key, the old one's still listed
	if p, err := s.CheckAgainst(early); err != nil || len(p) > 0 {
		t.Fatalf("against the export made with the lost key: %v %v", p, err)
	}
	if _, err := VerifyProof(proof, []string{evs[0].Key}); err != nil {
		t.Fatalf("a proof signed with the lost key: %v", err)
	}
	fresh, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyProof(fresh, []string{evs[0].Key}); err == nil {
		t.Fatal("a proof signed by the new key verified with the old key alone")
	}
	if _, err := VerifyProof(fresh, []string{evs[1].Key}); err != nil {
		t.Fatal(err)
	}
}

func TestProofsVerifyOfflineAndCatchAlteredDigests(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	addCase(t, s, "Bob Stone")
	noteCase(t, s, id, "identity verified")
	p1, err := s.Proof(id, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Leaves: Anna's received (0), Bob's received (1), Anna's note (2).
	if len(p1.Events) != 1 || !strings.Contains(p1.Checkpoint, "\n1\n") || len(p.Events) != 2 || !strings.Contains(p.Checkpoint, "\n3\n") {
		t.Fatalf("proof up to the first event: %+v; all: %+v", p1, p)
	}
	again, _ := s.Proof(id, 0)
	if again.Checkpoint != p.Checkpoint {
		t.Fatal("the same case state gave another checkpoint")
	}
	v, err := VerifyProof(p, nil)
	if err != nil || v.Events != 2 || !strings.Contains(v.KeySource, "carries") {
		t.Fatalf("%+v %v", v, err)
	}
	p.Events[1].Digest = strings.Repeat("0", 64)
	if _, err := VerifyProof(p, nil); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Fatalf("an altered digest verified: %v", err)
	}
}

func TestTheLogsOfAnOlderDatabaseAreBuiltResumably(t *testing.T) {
	fileOnly(t, "a migration")
	s := newStore(t)
	var ids []string
	for _, n := range []string{"Anna Berg", "Bob Stone", "Carl Holm"} {
		ids = append(ids, addCase(t, s, n)[0].ID)
	}
	noteCase(t, s, ids[0], "identity verified")
	// As a database made before the logs: none, nor checkpoints or keys;
	// then a first batch of step 5 done, as if killed after it.
	withBolt(t, s, func(tx kv.Tx) error {
		for _, b := range [][]byte{bucketLogs, bucketLogLeaves, bucketCheckpoints, bucketKeys} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if !logsNeeded(tx) {
			t.Error("a database without logs is not said to need them")
		}
		done, err := migrateLogs(tx, 1, testNow)
		if done || err != nil {
			t.Errorf("first batch: done %v, %v", done, err)
		}
		return err
	})
	mustCheck(t, s) // opening resumes and finishes step 5
	withBolt(t, s, func(tx kv.Tx) error {
		if logsNeeded(tx) || tx.Bucket(bucketMeta).Get(keyLogsMigrating) != nil {
			t.Error("step 5 left its marker")
		}
		return nil
	})
	cps, _ := s.Checkpoints()
	if len(cps.Logs) != 1 || !strings.Contains(cps.Logs[0].Checkpoint, "\n4\n") {
		t.Fatalf("%+v", cps)
	}
}

func TestATestDatabasesCheckpointsSayTheirKeyIsNotAProductionKey(t *testing.T) {
	s := newStore(t)
	if err := s.update(func(tx kv.Tx) error { return tx.Bucket(bucketMeta).Put(keyTestSeed, []byte("seed-1")) }); err != nil {
		t.Fatal(err)
	}
	id := addCase(t, s, "Anna Berg")[0].ID
	cps, err := s.Checkpoints()
	if err != nil || len(cps.Logs) != 1 || !strings.HasPrefix(cps.Logs[0].Checkpoint, "rightsdesk-test/") ||
		!strings.Contains(cps.Logs[0].Checkpoint, testLine) || !strings.Contains(cps.Keys[0].Reason, "not a production key") {
		t.Fatalf("%+v %v", cps, err)
	}
	dir, _ := KeyDir()
	if _, err := os.Stat(filepath.Join(dir, cps.Database+".key")); err == nil {
		t.Fatal("a test database's key was written to the key folder")
	}
	p, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyProof(p, nil); err != nil || !v.Checkpoint.Test {
		t.Fatalf("%+v %v", v, err)
	}
	mustCheck(t, s)
}

func TestARotatedKeyIsSignedByBothAndOldCheckpointsStillVerify(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	early, _ := s.Checkpoints()
	old, _ := s.Proof(id, 0)
	ev, err := s.RotateKey()
	if err != nil || ev.Kind != KeyRotated || ev.Key == early.Keys[0].Key {
		t.Fatalf("%+v %v", ev, err)
	}
	noteCase(t, s, id, "identity verified")
	mustCheck(t, s)
	if p, err := s.CheckAgainst(early); err != nil || len(p) > 0 {
		t.Fatalf("against the export signed with the retired key: %v %v", p, err)
	}
	if _, err := VerifyProof(old, []string{early.Keys[0].Key}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Proof(id, 0); p == nil || func() error { _, err := VerifyProof(p, []string{ev.Key}); return err }() != nil {
		t.Fatal("a proof after the rotation does not verify with the new key")
	}
	// A rotation chained by someone without the key: its statement is
	// signed by their key only, and check reports it.
	withBolt(t, s, func(tx kv.Tx) error {
		skey, vkey, err := note.GenerateKey(rand.Reader, keyName(tx))
		if err != nil {
			return err
		}
		theirs, _ := note.NewSigner(skey)
		msg, err := note.Sign(&note.Note{Text: rotationText(databaseID(tx), ev.Key, vkey)}, theirs)
		if err != nil {
			return err
		}
		return appendKeyEvent(tx, KeyEvent{Kind: KeyRotated, Key: vkey, At: testNow, Statement: string(msg)})
	})
	problems, err := s.Check()
	caught(t, problems, err, "not signed by both")
}

func TestEnvelopeLeafReadsWhatTheEnvelopeStores(t *testing.T) {
	for _, env := range []string{
		`{"seq":12,"prev":"ab","digest":"cd","content":{"digest":"no"}}`,
		`{"content":{"seq":1,"digest":"no"},"digest":"cd","seq":12}`,
		`{"seq":12,"prev":"a\"b","digest":"cd"}`,
		`{ "seq": 12, "digest": "cd" }`,
	} {
		seq, digest, err := envelopeLeaf([]byte(env))
		if err != nil || seq != 12 || digest != "cd" {
			t.Errorf("%s: %d %q %v", env, seq, digest, err)
		}
	}
	for _, env := range []string{`{"seq":1}`, `{"digest":"x"}`, `[]`, ``, `{"seq":"1","digest":"x"}`} {
		if _, _, err := envelopeLeaf([]byte(env)); err == nil {
			t.Errorf("%s: read", env)
		}
	}
}

func TestASharedDatabasesKeyIsBesideItForTheGroup(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := filepath.Join(t.TempDir(), "team")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, os.ModeSetgid|0o770); err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skip("no name for this process's group:", err)
	}
	if err := Init(filepath.Join(dir, "cases.db"), true, g.Name); err != nil {
		t.Fatal(err)
	}
	s := Open(filepath.Join(dir, "cases.db"), Options{Shared: true, LockTimeout: time.Second})
	addCase(t, s, "Anna Berg")
	keys, _ := filepath.Glob(filepath.Join(dir, ".cases.db.*.key"))
	if len(keys) != 1 {
		t.Fatalf("keys beside the database: %v", keys)
	}
	if info, _ := os.Stat(keys[0]); info.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", info.Mode())
	}
	state, _ := KeyDir()
	if mine, _ := filepath.Glob(filepath.Join(state, "*.key")); len(mine) != 0 {
		t.Fatalf("a shared database's key in one user's state folder: %v", mine)
	}
	mustCheck(t, s)
}

// TestAppendTiledAllIsLeafByLeaf: a bulk write's one pass over a log
// (appendTiledAll) leaves the tiles that appending its leaves one by one
// leaves, whatever the log's size before and the count appended (tiles
// completed at several levels, and partial ones at both ends).
func TestAppendTiledAllIsLeafByLeaf(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "tiles.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leaf := func(i int64) tlog.Hash { return tlog.RecordHash([]byte(strconv.FormatInt(i, 10))) }
	// With sources, leaf i is an event of case i/3 (three events a case).
	caseOf := func(i int64, sourced bool) string {
		if !sourced {
			return ""
		}
		return fmt.Sprintf("DSR-2026-%06d", i/3)
	}
	for _, c := range []struct {
		before, add int64
		sourced     bool
	}{{0, 1, false}, {0, 16, false}, {5, 300, false}, {15, 1, false}, {255, 2, false}, {4095, 4200, false}, {17, 0, false},
		{0, 16, true}, {5, 300, true}, {15, 1, true}, {4095, 4200, true}} {
		dump := func(bulk bool) map[string]string {
			out := map[string]string{}
			if err := kv.Update(db, func(tx kv.Tx) error {
				b, err := tx.CreateBucket([]byte("log"))
				if err != nil {
					return err
				}
				for i := range c.before {
					if err := appendTiled(b, i, leaf(i), caseOf(i, c.sourced)); err != nil {
						return err
					}
				}
				if bulk {
					var hs []tlog.Hash
					var runs []leafRun
					for i := c.before; i < c.before+c.add; i++ {
						hs = append(hs, leaf(i))
						if id := caseOf(i, c.sourced); id == "" {
							continue
						} else if len(runs) > 0 && runs[len(runs)-1].id == id {
							runs[len(runs)-1].n++
						} else {
							runs = append(runs, leafRun{id: id, n: 1})
						}
					}
					if err := appendTiledAll(b, c.before, hs, runs); err != nil {
						return err
					}
				} else {
					for i := c.before; i < c.before+c.add; i++ {
						if err := appendTiled(b, i, leaf(i), caseOf(i, c.sourced)); err != nil {
							return err
						}
					}
				}
				_ = b.ForEach(func(k, v []byte) error { out[string(k)] = string(v); return nil })
				return tx.DeleteBucket([]byte("log"))
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		one, all := dump(false), dump(true)
		if !maps.Equal(one, all) {
			t.Errorf("%d leaves then %d more (sources %v): the tiles differ (%d one by one, %d in one pass)", c.before, c.add, c.sourced, len(one), len(all))
		}
		// A sourced log keeps the hashes of its last tile alone, if it is
		// not complete; every tile of leaves has its sources.
		if n := c.before + c.add; c.sourced {
			for k := range one {
				if k[0] == 'r' && int64(binary.BigEndian.Uint64([]byte(k[1:]))) != n>>logTileHeight {
					t.Errorf("%d leaves: the complete tile of leaves %d is stored", n, binary.BigEndian.Uint64([]byte(k[1:])))
				}
			}
			for i := int64(0); i<<logTileHeight < n; i++ {
				ids, err := sourceIDs([]byte(one[string(sourceKey(i))]))
				want := []string{caseOf(i<<logTileHeight, true)}
				for j := i << logTileHeight; j < min(n, (i+1)<<logTileHeight); j++ {
					if id := caseOf(j, true); id != want[len(want)-1] {
						want = append(want, id)
					}
				}
				if err != nil || !slices.Equal(ids, want) {
					t.Errorf("%d leaves: tile %d names %q (%v), want %q", n, i, ids, err, want)
				}
			}
		}
	}
}

// TestARewrittenEventInATileNotStoredIsCaught: once a tile of 16 leaves is
// complete its hashes are not stored, only which cases' events they are
// and its root above. An event of it rewritten with its chain recomputed
// is caught by check, and its case's proof, which recomputes the tile, is
// refused, while a case of another tile still proves and verifies.
func TestARewrittenEventInATileNotStoredIsCaught(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	noteCase(t, s, id, "the subject sent a copy of her passport")
	noteCase(t, s, id, "identity verified")
	var other string
	for i := 0; i < 20; i++ {
		other = addCase(t, s, fmt.Sprintf("Subject %d", i))[0].ID
	}
	withBolt(t, s, func(tx kv.Tx) error {
		org, indexes, _ := logLeaves(tx.Bucket(bucketLogLeaves).Get([]byte(id)))
		b := tx.Bucket(bucketLogs).Bucket([]byte(org))
		if logSize(b) <= 1<<logTileHeight || indexes[len(indexes)-1] >= 1<<logTileHeight || b.Get(tileKey(0, 0)) != nil {
			t.Fatalf("%d leaves, %s's at %v, tile 0 stored: %v", logSize(b), id, indexes, b.Get(tileKey(0, 0)) != nil)
		}
		return nil
	})
	mustCheck(t, s)
	p, err := s.Proof(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyProof(p, nil); err != nil || v.Events != 3 {
		t.Fatalf("%+v %v", v, err)
	}
	rechain(t, s, id, 2, "nothing was received")
	problems, err := s.Check()
	caught(t, problems, err, "stored hashes are not those")
	if _, err := s.Proof(id, 0); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Fatalf("the proof of a rewritten event: %v", err)
	}
	p, err = s.Proof(other, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyProof(p, nil); err != nil {
		t.Fatal(err)
	}
}
