package etcdkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// MemberStatus is one member's answer to Status.
type MemberStatus struct {
	Endpoint string
	// Err is why the member did not answer; the other fields are then zero.
	Err      error
	MemberID uint64
	Version  string
	// Leader is the member ID of the leader this member follows (0: none).
	Leader uint64
	// DBSize is the size of the member's database file; DBSizeInUse the
	// part of it that holds data (the rest is free pages, which Defragment
	// gives back).
	DBSize      int64
	DBSizeInUse int64
	RaftIndex   uint64
	RaftTerm    uint64
	// Errors are the alarms and problems the member reports ("etcdserver:
	// no leader", "NOSPACE"...).
	Errors []string
}

type wireStatus struct {
	Header      Header   `json:"header"`
	Version     string   `json:"version"`
	DBSize      int64    `json:"dbSize,string"`
	Leader      uint64   `json:"leader,string"`
	RaftIndex   uint64   `json:"raftIndex,string"`
	RaftTerm    uint64   `json:"raftTerm,string"`
	Errors      []string `json:"errors"`
	DBSizeInUse int64    `json:"dbSizeInUse,string"`
}

// Status asks every endpoint for its member's status, one after the other,
// each within the client's timeout. A member that does not answer has its
// Err set; Status itself fails only when ctx ends.
func (c *Client) Status(ctx context.Context) ([]MemberStatus, error) {
	var out []MemberStatus
	for _, endpoint := range c.endpoints {
		var w wireStatus
		err := c.callOne(ctx, endpoint, "/v3/maintenance/status", []byte("{}"), &w, false, c.timeout)
		if ctx.Err() != nil {
			return out, fmt.Errorf("etcd status: %w", ctx.Err())
		}
		out = append(out, MemberStatus{
			Endpoint: endpoint, Err: unwrapFailure(err), MemberID: w.Header.MemberID, Version: w.Version, Leader: w.Leader,
			DBSize: w.DBSize, DBSizeInUse: w.DBSizeInUse, RaftIndex: w.RaftIndex, RaftTerm: w.RaftTerm, Errors: w.Errors,
		})
	}
	return out, nil
}

// Defragment rewrites every endpoint's database file without its free
// pages, one member after the other (a member does not answer while it
// defragments). After Compact, it is what takes the bytes of old revisions
// out of the files. It is bounded by ctx only, not by the client's
// timeout: a large database takes long. The error names every member that
// failed.
func (c *Client) Defragment(ctx context.Context) error {
	var errs []error
	for _, endpoint := range c.endpoints {
		var resp json.RawMessage
		if err := c.callOne(ctx, endpoint, "/v3/maintenance/defragment", []byte("{}"), &resp, false, 0); err != nil {
			errs = append(errs, fmt.Errorf("etcd defragment %s: %w", endpoint, unwrapFailure(err)))
		}
	}
	return errors.Join(errs...)
}

// unwrapFailure turns a member's failure into a plain error for callers
// that report each member on its own.
func unwrapFailure(err error) error {
	var f *failure
	if errors.As(err, &f) {
		return f.err
	}
	return err
}

// Member is one member of the cluster, as the cluster knows it.
type Member struct {
	ID         uint64
	Name       string // empty for a member added but not started yet
	PeerURLs   []string
	ClientURLs []string
	IsLearner  bool
}

type wireMember struct {
	ID         string   `json:"ID"`
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peerURLs"`
	ClientURLs []string `json:"clientURLs"`
	IsLearner  bool     `json:"isLearner"`
}

// MemberList lists the cluster's members, as known to the first member that
// answers with a leader.
func (c *Client) MemberList(ctx context.Context) ([]Member, error) {
	var resp struct {
		Members []wireMember `json:"members"`
	}
	if err := c.call(ctx, "/v3/cluster/member/list", struct{}{}, &resp, false); err != nil {
		return nil, err
	}
	var out []Member
	for _, m := range resp.Members {
		id, err := strconv.ParseUint(m.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("etcd member list: member ID %q: %w", m.ID, err)
		}
		out = append(out, Member{ID: id, Name: m.Name, PeerURLs: m.PeerURLs, ClientURLs: m.ClientURLs, IsLearner: m.IsLearner})
	}
	return out, nil
}
