package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"rightsdesk/storage/kv"
)

// Init creates the database and its folder with the right modes: private
// (folder 0700, file 0600), or shared for a team (folder setgid 2770 owned by
// group, file 0660). An existing database is checked and its file's mode
// tightened, never recreated. A folder Init did not create keeps its mode
// and owner: it is refused if others can write in it, or, for a team, if it
// is not already set up for the group, with what to do instead.
func Init(path string, shared bool, group string) error {
	dir := filepath.Dir(path)
	s := Open(path, Options{Shared: shared})
	s.mayCreate = true
	// Init makes a file of its own; a cluster's database is made through
	// a replica (InitReplica).
	s.replica = nil
	gid := -1
	if shared {
		var err error
		if gid, err = GroupID(group); err != nil {
			return err
		}
	}
	info, err := os.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	case err == nil:
		if err := checkFolder(dir, info, gid, group); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := makeFolder(dir, s.dirMode(), gid, group); err != nil {
			return err
		}
	default:
		return withPath("stat", dir, err)
	}
	if err := s.update(func(kv.Tx) error { return nil }); err != nil {
		return err
	}
	return os.Chmod(path, s.fileMode())
}

// makeFolder creates the database's folder (and any missing parents) and
// gives it its mode, which the umask may have narrowed, and for a team its
// group.
func makeFolder(dir string, mode fs.FileMode, gid int, group string) error {
	if err := os.MkdirAll(dir, mode.Perm()); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if gid >= 0 {
		if err := os.Chown(dir, -1, gid); err != nil {
			return fmt.Errorf("give %s to group %s: %w", dir, group, err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("set the mode of %s: %w", dir, err)
	}
	return nil
}

// checkFolder refuses a folder Init did not create that does not keep the
// database private: one that others can write in (the system's shared
// temporary folder), or, for a team, one not set up for the group.
func checkFolder(dir string, info fs.FileInfo, gid int, group string) error {
	if info.Mode().Perm()&0o002 != 0 {
		return fmt.Errorf("anyone can write in %s (mode %v): a database needs a folder of its own; give a path in a new "+
			"folder, which init creates with the right modes, and nothing about %s is changed", dir, info.Mode().Perm(), dir)
	}
	if gid < 0 {
		return nil
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if info.Mode()&fs.ModeSetgid == 0 || !ok || int(st.Gid) != gid || info.Mode().Perm()&0o070 != 0o070 {
		return fmt.Errorf("%s exists and is not set up for the group %s: init changes no folder it did not create; give a "+
			"new folder, or as its owner run: chgrp %s %s && chmod 2770 %s", dir, group, group, dir, dir)
	}
	return nil
}

// IsShared reports whether the database is a team's: its folder is set up
// for a team (setgid), or the file itself is group-writable. A folder that
// lost its setgid bit does not make the team's file private to whoever
// writes next, which would lock the team out.
func IsShared(path string) bool {
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o060 == 0o060 {
		return true
	}
	info, err := os.Stat(filepath.Dir(path))
	return err == nil && info.Mode()&os.ModeSetgid != 0
}
