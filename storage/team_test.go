package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

func TestParseRoleAndItsOrder(t *testing.T) {
	for _, r := range []Role{RoleViewer, RoleHandler, RoleApprover, RoleAdmin} {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Fatalf("ParseRole(%q) = %q %v", r, got, err)
		}
	}
	var refused *cases.Refused
	if _, err := ParseRole("root"); !errors.As(err, &refused) {
		t.Fatalf("an unknown role: %v", err)
	}
	if !RoleAdmin.AtLeast(RoleApprover) || !RoleHandler.AtLeast(RoleHandler) || RoleViewer.AtLeast(RoleHandler) ||
		RoleApprover.AtLeast(RoleAdmin) || Role("root").AtLeast(RoleViewer) {
		t.Fatal("the order of roles")
	}
}

// TestTheTeamTableIsAChainOfItsOwn: rows set, replaced and removed, one
// event each; what is refused writes nothing.
func TestTheTeamTableIsAChainOfItsOwn(t *testing.T) {
	s := newStore(t)
	alice := Member{UID: 1001, Name: "alice", Role: RoleHandler, Organisations: []string{"crisp", "callrix", "crisp"}}
	ev, err := s.SetMember(alice, "dave", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 1 || ev.Type != TeamMemberSet || ev.Actor != "dave" || !ev.RecordedAt.Equal(testNow) || ev.Digest == "" ||
		!reflect.DeepEqual(ev.Member.Organisations, []string{"callrix", "crisp"}) {
		t.Fatalf("first event %+v", ev)
	}
	if _, err := s.SetMember(Member{UID: 1003, Name: "carol", Role: RoleViewer, All: true}, "dave", testNow); err != nil {
		t.Fatal(err)
	}
	// Alice again: her row is replaced, by one event.
	alice.Role, alice.Organisations = RoleApprover, []string{"crisp"}
	if _, err := s.SetMember(alice, "dave", testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMember(1003, "dave", testNow); err != nil {
		t.Fatal(err)
	}
	team, err := s.Team()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Member{{UID: 1001, Name: "alice", Role: RoleApprover, Organisations: []string{"crisp"}}}; !reflect.DeepEqual(team, want) {
		t.Fatalf("team %+v", team)
	}
	if !team[0].Covers("crisp") || team[0].Covers("callrix") {
		t.Fatal("Covers")
	}
	refusals := []Member{
		{UID: 1, Name: "", Role: RoleViewer},
		{UID: 1, Name: "bob\x1b[2J", Role: RoleViewer},
		{UID: 1, Name: " bob", Role: RoleViewer},
		{UID: -1, Name: "bob", Role: RoleViewer},
		{UID: 1, Name: "bob", Role: "root"},
		{UID: 1, Name: "bob", Role: RoleViewer, Organisations: []string{"nowhere"}},
		{UID: 1, Name: "bob", Role: RoleViewer, Organisations: []string{"crisp"}, All: true},
	}
	for _, m := range refusals {
		var refused *cases.Refused
		if _, err := s.SetMember(m, "dave", testNow); !errors.As(err, &refused) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	var refused *cases.Refused
	if _, err := s.RemoveMember(1003, "dave", testNow); !errors.As(err, &refused) {
		t.Fatalf("removing a uid that is no member: %v", err)
	}
	if _, err := s.SetMember(Member{UID: 1, Name: "bob", Role: RoleViewer}, "", testNow); err == nil {
		t.Fatal("a change by no one")
	}
	events, err := s.TeamEvents()
	if err != nil || len(events) != 4 {
		t.Fatalf("events %+v %v", events, err)
	}
	kinds := []string{events[0].Type, events[1].Type, events[2].Type, events[3].Type}
	if !reflect.DeepEqual(kinds, []string{TeamMemberSet, TeamMemberSet, TeamMemberSet, TeamMemberRemoved}) || events[3].Member.Name != "carol" {
		t.Fatalf("events %+v", events)
	}
	mustCheck(t, s)
}

// TestCheckFindsATamperedTeamEvent: a row rewritten in the file, even with
// a digest recomputed, shows to check; the table is not read from it.
func TestCheckFindsATamperedTeamEvent(t *testing.T) {
	s := newStore(t)
	for _, m := range []Member{{UID: 1001, Name: "alice", Role: RoleViewer, Organisations: []string{"crisp"}},
		{UID: 1002, Name: "bob", Role: RoleHandler, Organisations: []string{"closeq"}}} {
		if _, err := s.SetMember(m, "dave", testNow); err != nil {
			t.Fatal(err)
		}
	}
	mustCheck(t, s)
	rewrite := func(recompute bool) {
		withBolt(t, s, func(tx kv.Tx) error {
			b := tx.Bucket(bucketTeam)
			var env envelope
			if err := json.Unmarshal(b.Get(u64(1)), &env); err != nil {
				return err
			}
			env.Content = bytes.Replace(env.Content, []byte(`"viewer"`), []byte(`"admin"`), 1)
			if recompute {
				salt := salter{id: teamLog}.salt(1, "")
				env.Salt = hex.EncodeToString(salt)
				env.Digest = eventDigest(salt, env.Content)
			}
			v, err := json.Marshal(env)
			if err != nil {
				return err
			}
			return b.Put(u64(1), v)
		})
	}
	rewrite(false)
	problems, err := s.Check()
	caught(t, problems, err, "the team table: event 1 does not match its digest")
	if _, err := s.Team(); !errors.Is(err, ErrDamaged) {
		t.Fatalf("the table read from a tampered chain: %v", err)
	}
	// With the digest recomputed, the chain breaks at the next event, and
	// the log no longer gives its root.
	if err := os.Remove(s.damagedPath()); err != nil {
		t.Fatal(err)
	}
	rewrite(true)
	problems, err = s.Check()
	caught(t, problems, err, "the team table: event 2 does not chain")
	caught(t, problems, err, "the log of ~team")
}

// TestCheckpointsCoverTheTeamLog: the team table's log has its own signed
// checkpoint, of its own origin, over its events' leaves; an exported one
// shows a rollback of the table.
func TestCheckpointsCoverTheTeamLog(t *testing.T) {
	s := newStore(t)
	addCase(t, s, "Anna Berg")
	if _, err := s.SetMember(Member{UID: 1001, Name: "alice", Role: RoleHandler, Organisations: []string{"crisp"}}, "dave", testNow); err != nil {
		t.Fatal(err)
	}
	first, err := s.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMember(Member{UID: 1004, Name: "dave", Role: RoleAdmin, All: true}, "dave", testNow); err != nil {
		t.Fatal(err)
	}
	cpf, err := s.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	vs, err := verifiers(cpf.Keys)
	if err != nil {
		t.Fatal(err)
	}
	var team, crisp *Checkpoint
	for _, l := range cpf.Logs {
		cp, err := openCheckpoint([]byte(l.Checkpoint), vs)
		if err != nil {
			t.Fatalf("%s: %v", l.Organisation, err)
		}
		switch l.Organisation {
		case teamLog:
			team = &cp
		case "crisp":
			crisp = &cp
		}
	}
	if team == nil || crisp == nil || team.Origin != "rightsdesk/"+cpf.Database+"/~team" || team.Size != 2 || crisp.Size != 1 {
		t.Fatalf("checkpoints %+v team %+v crisp %+v", cpf.Logs, team, crisp)
	}
	events, err := s.TeamEvents()
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := treeOf([]tlog.Hash{teamLeafHash(1, events[0].Digest), teamLeafHash(2, events[1].Digest)})
	if err != nil {
		t.Fatal(err)
	}
	if root, err := tlog.TreeHash(2, hashes); err != nil || root != team.Root {
		t.Fatalf("the team checkpoint's root is not its events': %v", err)
	}
	if problems, err := s.CheckAgainst(first); err != nil || len(problems) > 0 {
		t.Fatalf("against an earlier checkpoint: %v %v", problems, err)
	}
	// The last event removed by someone with the file (and the key: the
	// checkpoint is signed again): the exported checkpoint shows it.
	withBolt(t, s, func(tx kv.Tx) error {
		b := tx.Bucket(bucketTeam)
		if err := b.Delete(u64(2)); err != nil {
			return err
		}
		return b.Put(keyTeamHead, []byte(chainNext(teamChainStart(), events[0].Digest)))
	})
	problems, err := s.CheckAgainst(cpf)
	caught(t, problems, err, "the log of ~team")
	if team, err := s.Team(); err != nil || len(team) != 1 {
		t.Fatalf("team %+v %v", team, err)
	}
}
