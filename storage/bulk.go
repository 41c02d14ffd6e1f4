package storage

import (
	"errors"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// Bulk is the outcome of one action applied to many cases.
type Bulk struct {
	Applied map[string]*Result // by case ID
	// Refused are the cases the action was not applied to, with why: a
	// *cases.Refused, a *Conflict or a *NotFound. The others are applied.
	Refused map[string]error
}

// DoEach applies one action to many cases (bulk assign or tag on a filtered
// queue) in one transaction. revisions holds the revision the caller showed
// for each case (absent: NoRevision). A case that refuses the action or
// changed since it was shown is skipped and reported; the rest are applied.
// Any other error writes nothing.
func (s *Store) DoEach(ids []string, action Action, revisions map[string]int, now time.Time) (*Bulk, error) {
	return s.doEach(ids, action, revisions, now, s.own())
}

// doEach is DoEach recorded by w (caller.go): its events are stamped and
// recorded at a time that never goes back, as Do's are.
func (s *Store) doEach(ids []string, action Action, revisions map[string]int, now time.Time, w recorder) (*Bulk, error) {
	out := &Bulk{}
	w.stamp(&action.Event)
	err := s.update(func(tx kv.Tx) error {
		out.Applied, out.Refused = map[string]*Result{}, map[string]error{}
		now, err := s.recordAtBy(tx, now, w)
		if err != nil {
			return err
		}
		for _, id := range ids {
			a := action
			a.IfRevision = NoRevision
			if r, ok := revisions[id]; ok {
				a.IfRevision = r
			}
			res, err := doTx(tx, id, a, now)
			var refused *cases.Refused
			var conflict *Conflict
			var notFound *NotFound
			switch {
			case errors.As(err, &refused), errors.As(err, &conflict), errors.As(err, &notFound):
				out.Refused[id] = err
			case err != nil:
				return err
			default:
				out.Applied[id] = res
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
