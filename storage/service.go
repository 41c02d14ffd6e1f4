package storage

import (
	"time"

	"rightsdesk/cases"
)

// Service is what the command line and the terminal app ask of the cases:
// the action service and the queries, and nothing about the file that
// holds them. *Store is the local implementation; the team server's
// client is meant to be another (TRUST.md), so that neither the commands
// nor the app know which one they talk to. File-level operations (check,
// backup, purge, init) stay on *Store: in team mode they are the server's.
type Service interface {
	// Get reads one case with its revision; Each many, in one read.
	Get(id string) (*Loaded, error)
	Each(ids []string, fn func(l *Loaded) error) error
	// Queue is every case's summary in urgency order, with the change
	// counter it is current to; Rows re-reads some of them; Changes names
	// the cases changed since a counter.
	Queue(now time.Time) ([]cases.Summary, uint64, error)
	Rows(ids []string) ([]cases.Summary, uint64, error)
	Changes(since uint64) (uint64, []string, error)
	// List and ListViews are the queue narrowed by a filter, for list.
	List(f Filter, now time.Time, emit func(sum *cases.Summary, view func() []byte) error) error
	ListViews(f Filter, now time.Time, emit func(view []byte) error) error
	// Chain is a case's hash chain, for its record; File one stored
	// attachment.
	Chain(id string) ([]Link, error)
	// Proof is a case's signed checkpoint and inclusion proofs (proof.go).
	Proof(id string, upTo uint64) (*CaseProof, error)
	File(id, name string) ([]byte, error)

	// Do applies actions to one case in one transaction; DoEach one action
	// to many cases, each in its own.
	Do(id string, actions []Action, now time.Time) ([]*Result, error)
	DoEach(ids []string, action Action, revisions map[string]int, now time.Time) (*Bulk, error)
	// Add records a new request; Import many, validated beforehand.
	Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error)
	Import(requests [][]*cases.Case, now time.Time, actor string) (*ImportResult, error)
	// LogAccess records reads of personal data apart from the timelines.
	LogAccess(entries ...Access) error
	// MaxFileSize is the largest attachment accepted.
	MaxFileSize() int64

	// CurrentRegisters, RegisterHistory and PutRegister are the
	// organisations' registers, shared by everyone who uses the cases:
	// the current version of each, every version of one, and a new one.
	CurrentRegisters() ([]RegisterVersion, error)
	RegisterHistory(id string) ([]RegisterVersion, error)
	PutRegister(id string, data []byte, base int, actor, reason string, at time.Time) (RegisterVersion, bool, error)
}

var _ Service = (*Store)(nil)
