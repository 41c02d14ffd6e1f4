package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// A file that check or any read found damaged is refused for writing until
// it is restored (TRUST.md, files that cannot hurt). Nothing can be written
// into the damaged file itself, so the finding is remembered beside it, in
// PATH.damaged (0600): what was found and which file it was found in (its
// inode, size and modification time). Every write first looks for it: while
// it names the file at the path, the write is refused; once the file has
// been replaced (a backup copied or moved into place changes its
// modification time or inode), the note is stale and is removed.
//
// The checks that run before every operation (the meta pages, the size,
// the freelist bbolt reads on opening) refuse what they see at once;
// damage deeper in the file is only seen by the read that meets it, or by
// check, which reads every page: from then on the file takes no write.

// damagedNote is the content of PATH.damaged.
type damagedNote struct {
	Inode  uint64 `json:"inode"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime_ns"`
	Detail string `json:"detail"`
}

func (s *Store) damagedPath() string { return s.path + ".damaged" }

// identity is the note of the file now at the path, with detail.
func identity(path, detail string) (damagedNote, error) {
	info, err := os.Stat(path)
	if err != nil {
		return damagedNote{}, err
	}
	n := damagedNote{Size: info.Size(), MTime: info.ModTime().UnixNano(), Detail: detail}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		n.Inode = st.Ino
	}
	return n, nil
}

// markDamaged remembers that the file at the path is damaged. It is best
// effort: a reader who may not write beside the file (an outsider's
// check) leaves no note, and the damage is found again by the next read.
func (s *Store) markDamaged(detail string) {
	s.goReadOnly(detail) // a held store writes no more (held.go)
	n, err := identity(s.path, detail)
	if err != nil {
		return
	}
	b, _ := json.Marshal(n)
	_ = replaceFile(s.damagedPath(), append(b, '\n'), 0o600)
}

// refuseIfMarked is the check every write makes first: a note naming the
// file at the path refuses the write as damaged; a stale note goes.
func (s *Store) refuseIfMarked() error {
	b, err := os.ReadFile(s.damagedPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return withPath("read", s.damagedPath(), err)
	}
	var note damagedNote
	now, serr := identity(s.path, "")
	if json.Unmarshal(b, &note) == nil && serr == nil &&
		(note.Inode != now.Inode || note.Size != now.Size || note.MTime != now.MTime) {
		_ = os.Remove(s.damagedPath()) // the file was replaced: restored
		return nil
	}
	detail := note.Detail
	if detail == "" {
		detail = "found damaged earlier"
	}
	return &StoreError{Path: s.path, Err: ErrDamaged, Detail: fmt.Sprintf("found earlier, %s; no change is written until it is restored", oneLine(detail)),
		Advice: restoreAdvice}
}

// noteIfDamaged marks the file when err says it is damaged, and returns err.
func (s *Store) noteIfDamaged(err error) error {
	var se *StoreError
	if errors.As(err, &se) && errors.Is(se.Err, ErrDamaged) && se.Path == s.path && !markedBefore(se) {
		s.markDamaged(se.Detail)
	}
	return err
}

// markedBefore reports whether se is the refusal of refuseIfMarked itself.
func markedBefore(se *StoreError) bool {
	const prefix = "found earlier, "
	return len(se.Detail) >= len(prefix) && se.Detail[:len(prefix)] == prefix
}

// oneLine keeps the first line of s, at most 200 bytes.
func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s = s[:i]
			break
		}
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
