package storage

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Init creates the database and its folder with the right modes: private
// (folder 0700, file 0600), or shared for a team (folder setgid 2770 owned by
// group, file 0660). An existing database is checked and its modes
// tightened, never recreated.
func Init(path string, shared bool, group string) error {
	dir := filepath.Dir(path)
	s := Open(path, Options{Shared: shared})
	if err := os.MkdirAll(dir, s.dirMode()); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if shared {
		g, err := user.LookupGroup(group)
		if err != nil {
			return fmt.Errorf("unknown group %q: %w", group, err)
		}
		gid, err := strconv.Atoi(g.Gid)
		if err != nil {
			return fmt.Errorf("group %q has no numeric id", group)
		}
		if err := os.Chown(dir, -1, gid); err != nil {
			return fmt.Errorf("give %s to group %s: %w", dir, group, err)
		}
	}
	if err := os.Chmod(dir, s.dirMode()); err != nil {
		return fmt.Errorf("set the mode of %s: %w", dir, err)
	}
	if err := s.update(func(*bolt.Tx) error { return nil }); err != nil {
		return err
	}
	return os.Chmod(path, s.fileMode())
}

// IsShared reports whether the database's folder is set up for a team
// (setgid), so that files are created group-writable.
func IsShared(path string) bool {
	info, err := os.Stat(filepath.Dir(path))
	return err == nil && info.Mode()&os.ModeSetgid != 0
}
