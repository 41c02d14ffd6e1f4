package storage

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"rightsdesk/cases"
)

// Filter narrows the queue. The zero Filter is every open case.
type Filter struct {
	Statuses   []cases.Status
	Controller string
	Right      cases.Right
	Overdue    bool
	DueWithin  time.Duration // > 0: effective due before now + DueWithin
	Query      string
	All        bool // closed cases too
}

// wantsClosed reports whether closed cases can match.
func (f Filter) wantsClosed() bool {
	return f.All || slices.Contains(f.Statuses, cases.StatusClosed)
}

// List returns the cases matching f in the urgency order of CLI.md. Overdue
// and due-within lists read only the due-date index.
func (s *Store) List(f Filter, now time.Time) ([]*cases.View, error) {
	views := []*cases.View{}
	err := s.view(func(tx *bolt.Tx) error {
		ids, err := candidates(tx, f, now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			rec, st, err := loadState(tx, id, now)
			if err != nil {
				return err
			}
			v := cases.NewView(rec.Case, st, rec.Revision, false)
			if f.matches(v, now) {
				views = append(views, v)
			}
		}
		return nil
	})
	if errors.Is(err, ErrNoDatabase) {
		return []*cases.View{}, nil
	}
	if err != nil {
		return nil, err
	}
	SortViews(views)
	return views, nil
}

// SortViews sorts views in the urgency order.
func SortViews(views []*cases.View) {
	slices.SortFunc(views, func(a, b *cases.View) int {
		ua, ub := cases.UrgentOf(a), cases.UrgentOf(b)
		switch {
		case cases.UrgencyLess(ua, ub):
			return -1
		case cases.UrgencyLess(ub, ua):
			return 1
		}
		return 0
	})
}

// candidates lists the IDs worth loading: from the due index for overdue and
// due-within, otherwise every case.
func candidates(tx *bolt.Tx, f Filter, now time.Time) ([]string, error) {
	var ids []string
	if f.Overdue || f.DueWithin > 0 {
		limit := now
		if f.DueWithin > 0 && !f.Overdue {
			limit = now.Add(f.DueWithin)
		}
		end := []byte(limit.UTC().Format(time.RFC3339))
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			_, id, _ := bytes.Cut(k, []byte{0})
			ids = append(ids, string(id))
		}
		return ids, nil
	}
	err := tx.Bucket(bucketCases).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	return ids, err
}

func (f Filter) matches(v *cases.View, now time.Time) bool {
	if v.Status == cases.StatusClosed && !f.wantsClosed() {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, v.Status) {
		return false
	}
	if f.Controller != "" && v.Controller != f.Controller {
		return false
	}
	if f.Right != "" && v.Right != f.Right {
		return false
	}
	if f.Overdue || f.DueWithin > 0 {
		if v.Status == cases.StatusClosed || v.Clock != cases.ClockRunning || v.EffectiveDueAt == nil {
			return false
		}
		if f.Overdue && !v.EffectiveDueAt.Before(now) {
			return false
		}
		if f.DueWithin > 0 && !v.EffectiveDueAt.Before(now.Add(f.DueWithin)) {
			return false
		}
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		hay := strings.ToLower(strings.Join([]string{v.ID, v.Subject.Name, v.Subject.Email, v.Controller,
			string(v.Right), string(v.Status), strings.Join(v.Tags, " "), v.Assignee}, "\x00"))
		for _, word := range strings.Fields(q) {
			if !strings.Contains(hay, word) {
				return false
			}
		}
	}
	return true
}
