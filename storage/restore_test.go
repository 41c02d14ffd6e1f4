package storage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRestoreIsRecordedAndShowsAgainstALaterCheckpoint: a backup put back
// in place drops what was recorded after it, says so in a restored event,
// and a checkpoint exported in between shows the rollback.
func TestRestoreIsRecordedAndShowsAgainstALaterCheckpoint(t *testing.T) {
	fileOnly(t, "a restore")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s := newStore(t)
	kept := addCase(t, s, "Anna Berg")[0].ID
	dest := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.Backup(dest, ""); err != nil {
		t.Fatal(err)
	}
	witness, err := ReadCheckpointFile(CheckpointsOf(dest))
	if err != nil {
		t.Fatalf("the backup's exported checkpoints: %v", err)
	}
	lost := addCase(t, s, "Bob Stone")[0].ID
	// The live file extends what the backup exported.
	if problems, err := s.CheckAgainst(witness); err != nil || len(problems) > 0 {
		t.Fatalf("against the backup's checkpoints: %v %v", problems, err)
	}
	later, err := s.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.Restore(dest, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != Restored || !strings.Contains(ev.Reason, "backup.db (1 case)") {
		t.Fatalf("restored event %+v", ev)
	}
	if _, err := s.Get(kept); err != nil {
		t.Fatalf("the case in the backup: %v", err)
	}
	var nf *NotFound
	if _, err := s.Get(lost); !errors.As(err, &nf) {
		t.Fatalf("the case recorded after the backup: %v", err)
	}
	mustCheck(t, s)
	events, err := s.KeyEvents()
	if err != nil || events[len(events)-1].Kind != Restored {
		t.Fatalf("key chain %+v %v", events, err)
	}
	problems, err := s.CheckAgainst(later)
	caught(t, problems, err, "rolled back")
	if _, err := os.Stat(s.Path() + ".restoring"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the copy beside the database remains: %v", err)
	}
	// The database takes writes again.
	addCase(t, s, "Carl Holm")
}

// TestRestoreRefusesAnotherDatabasesBackupAndRepairsADamagedOne.
func TestRestoreRefusesAnotherDatabasesBackupAndRepairsADamagedOne(t *testing.T) {
	fileOnly(t, "a restore")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s := newStore(t)
	id := addCase(t, s, "Anna Berg")[0].ID
	dest := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.Backup(dest, ""); err != nil {
		t.Fatal(err)
	}
	other := newStore(t)
	addCase(t, other, "Dora Other")
	otherBackup := filepath.Join(t.TempDir(), "other.db")
	if _, err := other.Backup(otherBackup, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Restore(otherBackup, testNow.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "a backup of another database") {
		t.Fatalf("another database's backup: %v", err)
	}
	if _, err := s.Restore(s.Path(), testNow.Add(time.Hour)); !errors.Is(err, ErrSameFile) {
		t.Fatalf("the database onto itself: %v", err)
	}
	// Damaged: truncated to its meta pages and one more, short of the
	// pages it uses (half the file may still hold every page a small
	// database uses). Restoring is what it is for.
	if err := os.Truncate(s.Path(), 3*4096); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(id); err == nil {
		t.Fatal("a truncated file read as sound")
	}
	if _, err := s.Restore(dest, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(id); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}
