package storage

import (
	"errors"
	"os/user"
	"testing"
)

// A group that os/user cannot find (a directory service's, to a binary
// built without cgo) is found through NSS; a line for another group, or
// none, leaves it unknown.
func TestGroupIDFallsBackToNSS(t *testing.T) {
	notFound := func(string) (*user.Group, error) { return nil, errors.New("group: unknown group") }
	line := func(l string) func(string) []string { return func(string) []string { return nssFields(l) } }

	gid, err := groupID("dpo", notFound, line("dpo:*:4242:anna,ben\n"))
	if err != nil || gid != 4242 {
		t.Fatalf("directory group: got %d, %v; want 4242", gid, err)
	}
	if _, err := groupID("dpo", notFound, line("dpo-admins:*:4243:\n")); err == nil {
		t.Fatal("a line for another group was taken for dpo")
	}
	if _, err := groupID("dpo", notFound, line("")); err == nil || err.Error() != `unknown group "dpo"` {
		t.Fatalf("no group anywhere: got %v", err)
	}
	if _, err := groupID("dpo", notFound, line("dpo:*:x:\n")); err == nil {
		t.Fatal("a non-numeric gid was taken")
	}
	local := func(string) (*user.Group, error) { return &user.Group{Gid: "7", Name: "dpo"}, nil }
	if gid, err := groupID("dpo", local, line("dpo:*:4242:\n")); err != nil || gid != 7 {
		t.Fatalf("os/user's answer comes first: got %d, %v", gid, err)
	}
}

// The real lookup finds the root group, which every Unix host has.
func TestGroupIDFindsRoot(t *testing.T) {
	gid, err := GroupID("root")
	if err != nil || gid != 0 {
		t.Fatalf("root: got %d, %v", gid, err)
	}
	if _, err := GroupID("no-such-group-rightsdesk"); err == nil {
		t.Fatal("an unknown group was found")
	}
}
