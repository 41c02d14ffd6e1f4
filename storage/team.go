package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// The team table (TRUST.md, "Roles and organisations"): who may use a team
// server, with which role, for which organisations. It is a chain of its
// own in the database, each event sealed as a case's are (a salted
// envelope whose digest chains to the one before), and a Merkle log of its
// own beside the organisations' (teamLog), whose checkpoint is signed in
// the same transaction: a member added or removed by rewriting the file
// shows to check, and against any checkpoint kept elsewhere.

// Role is what a member may do; each role may do what the ones below it may.
type Role string

// The roles, from the least to the most.
const (
	RoleViewer   Role = "viewer"   // reads the cases of their organisations
	RoleHandler  Role = "handler"  // also records every action, exports
	RoleApprover Role = "approver" // also approves and rejects letters
	RoleAdmin    Role = "admin"    // also edits the team table and registers, purges, backs up
)

var roleOrder = []Role{RoleViewer, RoleHandler, RoleApprover, RoleAdmin}

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	for _, r := range roleOrder {
		if string(r) == s {
			return r, nil
		}
	}
	return "", &cases.Refused{Field: "role", Reason: fmt.Sprintf("%q is not a role (viewer, handler, approver or admin)", cases.Printable(s))}
}

// AtLeast reports whether r may do what o may (viewer < handler < approver
// < admin). An unknown role is at least nothing.
func (r Role) AtLeast(o Role) bool {
	i, j := slices.Index(roleOrder, r), slices.Index(roleOrder, o)
	return i >= 0 && j >= 0 && i >= j
}

// Member is one row of the team table, keyed by the account's uid.
type Member struct {
	UID           int      `json:"uid"`
	Name          string   `json:"name"`
	Role          Role     `json:"role"`
	Organisations []string `json:"organisations,omitempty"`     // register IDs
	All           bool     `json:"all_organisations,omitempty"` // every organisation, present and future
}

// Covers reports whether the member works for organisation org.
func (m Member) Covers(org string) bool { return m.All || slices.Contains(m.Organisations, org) }

// Kinds of team events.
const (
	TeamMemberSet     = "member_set"     // a row added or replaced
	TeamMemberRemoved = "member_removed" // a row removed
)

// TeamEvent is one event of the team table's chain.
type TeamEvent struct {
	Seq        uint64    `json:"seq"`
	Type       string    `json:"type"`
	Member     Member    `json:"member"`
	Actor      string    `json:"actor"`
	RecordedAt time.Time `json:"recorded_at"`
	Digest     string    `json:"digest"`
}

// teamContent is what a team event's digest covers (its sequence and
// digest are the envelope's).
type teamContent struct {
	Type       string    `json:"type"`
	Member     Member    `json:"member"`
	Actor      string    `json:"actor"`
	RecordedAt time.Time `json:"recorded_at"`
}

var (
	// bucketTeam holds the team chain: sequence (8 bytes) -> envelope,
	// and keyTeamHead -> the chain's head.
	bucketTeam  = []byte("team")
	keyTeamHead = []byte("head")
)

// teamLog is the name of the team table's log in the logs and checkpoints
// buckets: no register ID starts with "~", so it is no organisation's.
// Its checkpoints' origin ends in it (logOrigin).
const teamLog = "~team"

// teamChainStart is the hash the team chain starts from.
func teamChainStart() string {
	sum := sha256.Sum256([]byte("rightsdesk team"))
	return hex.EncodeToString(sum[:])
}

// teamLeafHash is the team log's leaf of one event: apart from the case
// events' leaves by its first line.
func teamLeafHash(seq uint64, digest string) tlog.Hash {
	return tlog.RecordHash([]byte("rightsdesk team event\n" + strconv.FormatUint(seq, 10) + "\n" + digest + "\n"))
}

// maxMemberName bounds a member's name: an account name, not a text.
const maxMemberName = 256

// validMember checks a row before it is recorded: a printable name, a uid,
// a role, and organisations the database has registers for (or all of
// them, never both). It returns the row with its organisations sorted.
func validMember(tx kv.Tx, m Member) (Member, error) {
	refuse := func(field, format string, args ...any) (Member, error) {
		return Member{}, &cases.Refused{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case strings.TrimSpace(m.Name) == "":
		return refuse("name", "a member needs a name")
	case len(m.Name) > maxMemberName || cases.Printable(m.Name) != m.Name || strings.TrimSpace(m.Name) != m.Name:
		return refuse("name", "a member's name is printable, without spaces around it, at most %d bytes", maxMemberName)
	case m.UID < 0:
		return refuse("uid", "a uid is 0 or more, not %d", m.UID)
	case m.All && len(m.Organisations) > 0:
		return refuse("organisations", "a member works for every organisation or for some, not both")
	}
	if _, err := ParseRole(string(m.Role)); err != nil {
		return Member{}, err
	}
	regs := tx.Bucket(bucketRegisters)
	orgs := slices.Clone(m.Organisations)
	slices.Sort(orgs)
	orgs = slices.Compact(orgs)
	for _, org := range orgs {
		if regs == nil || regs.Bucket([]byte(org)) == nil {
			return refuse("organisations", "%q is no organisation of this database (rightsdesk controllers lists them)", cases.Printable(org))
		}
	}
	if len(orgs) == 0 {
		orgs = nil
	}
	m.Organisations = orgs
	return m, nil
}

// Team is the team table: its members by uid.
func (s *Store) Team() ([]Member, error) {
	var out []Member
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = teamOf(tx)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	return out, err
}

// TeamEvents is the team table's chain, oldest first.
func (s *Store) TeamEvents() ([]TeamEvent, error) {
	var out []TeamEvent
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = teamChain(tx)
		return err
	})
	if errors.Is(err, ErrNoDatabase) {
		return nil, nil
	}
	return out, err
}

// SetMember adds m to the team table, or replaces the row of its uid, as
// one chained member_set event recorded by actor at now.
func (s *Store) SetMember(m Member, actor string, now time.Time) (TeamEvent, error) {
	return s.teamChange(TeamMemberSet, actor, now, func(tx kv.Tx, rows []Member) (Member, error) {
		return validMember(tx, m)
	})
}

// RemoveMember removes the row of uid from the team table, as one chained
// member_removed event (which keeps the row removed). A uid that is no
// member is refused.
func (s *Store) RemoveMember(uid int, actor string, now time.Time) (TeamEvent, error) {
	return s.teamChange(TeamMemberRemoved, actor, now, func(_ kv.Tx, rows []Member) (Member, error) {
		i := slices.IndexFunc(rows, func(r Member) bool { return r.UID == uid })
		if i < 0 {
			return Member{}, &cases.Refused{Field: "uid", Reason: fmt.Sprintf("uid %d is no member of the team", uid)}
		}
		return rows[i], nil
	})
}

// teamChange records one team event in a write transaction: row gives the
// member the event concerns, from the table as it is.
func (s *Store) teamChange(kind, actor string, now time.Time, row func(tx kv.Tx, rows []Member) (Member, error)) (TeamEvent, error) {
	var out TeamEvent
	if strings.TrimSpace(actor) == "" {
		return out, errors.New("a change of the team table needs who makes it")
	}
	err := s.update(func(tx kv.Tx) error {
		rows, err := teamOf(tx)
		if err != nil {
			return err
		}
		m, err := row(tx, rows)
		if err != nil {
			return err
		}
		at, err := s.recordAt(tx, now)
		if err != nil {
			return err
		}
		out, err = appendTeamEvent(tx, teamContent{Type: kind, Member: m, Actor: actor, RecordedAt: at.UTC()})
		return err
	})
	return out, err
}

// appendTeamEvent seals a team event, chains it and appends its leaf to
// the team log.
func appendTeamEvent(tx kv.Tx, c teamContent) (TeamEvent, error) {
	b, err := tx.CreateBucketIfNotExists(bucketTeam)
	if err != nil {
		return TeamEvent{}, err
	}
	prev := string(b.Get(keyTeamHead))
	if prev == "" {
		prev = teamChainStart()
	}
	seq, err := b.NextSequence()
	if err != nil {
		return TeamEvent{}, err
	}
	content, err := json.Marshal(c)
	if err != nil {
		return TeamEvent{}, err
	}
	salt := salter{seed: testSeed(tx), id: teamLog}.salt(seq, "")
	digest := eventDigest(salt, content)
	env, err := json.Marshal(envelope{Seq: seq, Prev: prev, Digest: digest, Salt: hex.EncodeToString(salt), Content: content})
	if err != nil {
		return TeamEvent{}, err
	}
	if err := b.Put(u64(seq), env); err != nil {
		return TeamEvent{}, err
	}
	if err := b.Put(keyTeamHead, []byte(chainNext(prev, digest))); err != nil {
		return TeamEvent{}, err
	}
	if _, err := appendLeaf(tx, teamLog, teamLeafHash(seq, digest)); err != nil {
		return TeamEvent{}, err
	}
	return TeamEvent{Seq: seq, Type: c.Type, Member: c.Member, Actor: c.Actor, RecordedAt: c.RecordedAt, Digest: digest}, nil
}

// teamChain reads the team chain, verifying each event's digest and link;
// a broken one is ErrDamaged.
func teamChain(tx kv.Tx) ([]TeamEvent, error) {
	events, problem := readTeamChain(tx)
	if problem != "" {
		return nil, &StoreError{Path: tx.Bolt().DB().Path(), Err: ErrDamaged, Detail: "the team table: " + problem, Advice: restoreAdvice}
	}
	return events, nil
}

// readTeamChain reads the team chain as far as it verifies, and what is
// wrong with it ("" when nothing).
func readTeamChain(tx kv.Tx) ([]TeamEvent, string) {
	b := tx.Bucket(bucketTeam)
	if b == nil {
		return nil, ""
	}
	var out []TeamEvent
	hash := teamChainStart()
	problem := ""
	_ = b.ForEach(func(k, v []byte) error {
		if len(k) != 8 || problem != "" {
			return nil
		}
		var env envelope
		if err := json.Unmarshal(v, &env); err != nil {
			problem = fmt.Sprintf("event %d is unreadable", len(out)+1)
			return nil
		}
		salt, err := hex.DecodeString(env.Salt)
		switch {
		case err != nil || len(salt) != saltSize:
			problem = fmt.Sprintf("event %d: its salt is unreadable", env.Seq)
		case env.Seq != uint64(len(out)+1) || string(k) != string(u64(env.Seq)):
			problem = fmt.Sprintf("event %d is out of sequence (removed or moved)", len(out)+1)
		case eventDigest(salt, env.Content) != env.Digest:
			problem = fmt.Sprintf("event %d does not match its digest (altered)", env.Seq)
		case env.Prev != hash:
			problem = fmt.Sprintf("event %d does not chain to the one before (removed or replaced)", env.Seq)
		}
		if problem != "" {
			return nil
		}
		var c teamContent
		if err := json.Unmarshal(env.Content, &c); err != nil {
			problem = fmt.Sprintf("event %d is unreadable", env.Seq)
			return nil
		}
		out = append(out, TeamEvent{Seq: env.Seq, Type: c.Type, Member: c.Member, Actor: c.Actor, RecordedAt: c.RecordedAt, Digest: env.Digest})
		hash = chainNext(hash, env.Digest)
		return nil
	})
	if problem == "" && string(b.Get(keyTeamHead)) != "" && string(b.Get(keyTeamHead)) != hash {
		problem = "its head is not where its events lead (an event was removed at the end)"
	}
	return out, problem
}

// teamOf is the team table as its chain leaves it, by uid.
func teamOf(tx kv.Tx) ([]Member, error) {
	events, err := teamChain(tx)
	if err != nil {
		return nil, err
	}
	return replayTeam(events), nil
}

// replayTeam applies team events in order.
func replayTeam(events []TeamEvent) []Member {
	var rows []Member
	for _, ev := range events {
		i := slices.IndexFunc(rows, func(r Member) bool { return r.UID == ev.Member.UID })
		switch {
		case ev.Type == TeamMemberSet && i >= 0:
			rows[i] = ev.Member
		case ev.Type == TeamMemberSet:
			rows = append(rows, ev.Member)
		case ev.Type == TeamMemberRemoved && i >= 0:
			rows = slices.Delete(rows, i, i+1)
		}
	}
	slices.SortFunc(rows, func(a, b Member) int { return a.UID - b.UID })
	return rows
}

// checkTeam verifies the team chain (check): each event's digest and link,
// and that its kinds and rows are ones the store writes.
func checkTeam(tx kv.Tx) []Problem {
	events, problem := readTeamChain(tx)
	var out []Problem
	if problem != "" {
		out = append(out, Problem{Detail: "the team table: " + problem})
	}
	for _, ev := range events {
		if ev.Type != TeamMemberSet && ev.Type != TeamMemberRemoved {
			out = append(out, Problem{Detail: fmt.Sprintf("the team table: event %d is of no known kind", ev.Seq)})
		}
	}
	return out
}

// teamTree fills the team log's tree (timelineLogs) from the team chain:
// event seq is leaf seq-1.
func teamTree(tx kv.Tx, t *logTree) []Problem {
	events, _ := readTeamChain(tx) // checkTeam says what is wrong with it
	var out []Problem
	for i, ev := range events {
		if i >= len(t.leaves) {
			out = append(out, Problem{Detail: fmt.Sprintf("the log of the team table: event %d is not in it (added without the key?)", ev.Seq)})
			continue
		}
		t.leaves[i], t.have[i] = teamLeafHash(ev.Seq, ev.Digest), true
	}
	return out
}
