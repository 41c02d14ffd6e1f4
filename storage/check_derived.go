package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

// checkDerived recounts the derived buckets a write keeps beside each case
// (counters.go: counts, due-days, owing, unsent) from the queue rows, which
// checkViews has compared with each case's timeline, and reports where the
// stored ones differ, as altered, the way a due or report entry that no
// case derives is (checkIndexEntries): one line naming the bucket and the
// case, or the organisation for a count. The report entries are compared
// case by case in compareViews.
func checkDerived(tx kv.Tx) []Problem {
	rows := tx.Bucket(bucketRows)
	if rows == nil {
		return nil
	}
	var problems []Problem
	caseProblem := func(id []byte, format string, args ...any) {
		problems = append(problems, Problem{CaseID: cases.Printable(string(id)), Detail: fmt.Sprintf(format, args...)})
	}
	owing, unsent := tx.Bucket(bucketOwing), tx.Bucket(bucketUnsent)
	orgs, days, wantUnsent := map[string]*tally{}, map[string]int64{}, map[string]bool{}
	var s cases.Summary
	_ = rows.ForEach(func(id, row []byte) error {
		s = cases.Summary{}
		if _, err := decodeRowInto(&s, row); err != nil {
			return nil // compareViews reports the row
		}
		t := tallyOf(&s)
		if orgs[s.Controller] == nil {
			orgs[s.Controller] = &tally{}
		}
		orgs[s.Controller].add(&t, 1)
		if k := dueDay(&s); k != "" {
			days[k]++
		}
		if owes(&s) && (owing == nil || !bytes.Equal(owing.Get(id), row)) {
			caseProblem(id, "its %s entry is missing or differs from its queue row (altered)", bucketOwing)
		}
		if k := unsentKey(&s); k != nil {
			wantUnsent[string(k)] = true
			if unsent == nil || !bytes.Equal(unsent.Get(k), row) {
				caseProblem(id, "its %s entry is missing or differs from its queue row (altered)", bucketUnsent)
			}
		}
		return nil
	})
	if owing != nil {
		_ = owing.ForEach(func(id, _ []byte) error {
			if row := rows.Get(id); row == nil || !rowOwes(row) {
				caseProblem(id, "an %s entry no case derives (altered)", bucketOwing)
			}
			return nil
		})
	}
	if unsent != nil {
		_ = unsent.ForEach(func(k, _ []byte) error {
			if !wantUnsent[string(k)] {
				caseProblem([]byte(lastField(k)), "an %s entry no case derives (altered)", bucketUnsent)
			}
			return nil
		})
	}
	problems = append(problems, checkCounts(tx, orgs)...)
	return append(problems, checkDueDays(tx, days)...)
}

// rowOwes reports whether the case of a queue row owes an answer (owes).
func rowOwes(row []byte) bool {
	var s cases.Summary
	_, err := decodeRowInto(&s, row)
	return err == nil && owes(&s)
}

// tallyName names a figure of a tally (its index), for a problem.
func tallyName(i int) string {
	switch i {
	case tallyCases:
		return "cases"
	case tallyOpen:
		return "open cases"
	case tallyUnsent:
		return "cases closed with their answer not sent"
	case tallyVoided:
		return "voided cases"
	}
	if i-tallyStatus < len(cases.Statuses) {
		return "open cases " + string(cases.Statuses[i-tallyStatus])
	}
	return fmt.Sprintf("figure %d", i)
}

// checkCounts compares the counts bucket with the tallies recounted from
// the rows, organisation by organisation.
func checkCounts(tx kv.Tx, want map[string]*tally) []Problem {
	stored := map[string]tally{}
	var problems []Problem
	orgProblem := func(org, format string, args ...any) {
		problems = append(problems, Problem{Detail: fmt.Sprintf("organisation %s: ", cases.Printable(org)) + fmt.Sprintf(format, args...)})
	}
	if b := tx.Bucket(bucketCounts); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			t, err := decodeTally(v)
			if err != nil {
				orgProblem(string(k), "its %s entry is unreadable (altered)", bucketCounts)
				if w := want[string(k)]; w != nil {
					t = *w // reported once, as unreadable
				}
			}
			stored[string(k)] = t
			return nil
		})
	}
	for _, org := range slices.Sorted(maps.Keys(stored)) {
		if want[org] == nil && stored[org] != (tally{}) {
			orgProblem(org, "a %s entry no case derives (altered)", bucketCounts)
		}
	}
	for _, org := range slices.Sorted(maps.Keys(want)) {
		got, w := stored[org], want[org]
		for i := range got {
			if got[i] != w[i] {
				orgProblem(org, "%s says %d %s, its cases %d (altered)", bucketCounts, got[i], tallyName(i), w[i])
				break
			}
		}
	}
	return problems
}

// checkDueDays compares the due-days bucket with the count of cases due
// each day recounted from the rows.
func checkDueDays(tx kv.Tx, want map[string]int64) []Problem {
	stored := map[string]int64{}
	if b := tx.Bucket(bucketDueDays); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			u, n := binary.Uvarint(v)
			if n <= 0 {
				stored[string(k)] = -1 // never a count: reported below
				return nil
			}
			stored[string(k)] = int64(u)
			return nil
		})
	}
	var problems []Problem
	keys := slices.Collect(maps.Keys(stored))
	for k := range want {
		if _, ok := stored[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if stored[k] == want[k] {
			continue
		}
		org, day, _ := bytes.Cut([]byte(k), []byte{0})
		problems = append(problems, Problem{Detail: fmt.Sprintf("organisation %s: %s says %d cases due on %s, its cases %d (altered)",
			cases.Printable(string(org)), bucketDueDays, stored[k], day, want[k])})
	}
	return problems
}
