package cases

import "testing"

// TestSummaryCountsTheWork: the queue's row carries the work done and the
// work list's length, and the day a refusal recorded but not yet told
// must be told by (Art. 12(4)), which goes once a letter tells it.
func TestSummaryCountsTheWork(t *testing.T) {
	c := workCase(t, RightErasure) // app-db, stripe, backups, site-chats
	do(t, c, 1, Event{Kind: EventWorked, Item: "backups", Result: ResultBeyondUse, Until: &Date{2025, 6, 1}})
	sum := Summarize(c, state(t, c, 1), 1)
	if sum.WorkDone != 1 || sum.WorkTotal != 4 || !sum.TellRefusalBy.IsZero() {
		t.Fatalf("work %d/%d, tell refusal by %s", sum.WorkDone, sum.WorkTotal, sum.TellRefusalBy)
	}
	do(t, c, 1, Event{Kind: EventWorked, Item: "app-db", Result: ResultKept, Grounds: []Ground{GroundArt17_3b},
		What: "invoices", Law: "Code de commerce, art. L123-22", TriggerDate: &Date{2024, 12, 31}})
	st := state(t, c, 1)
	sum = Summarize(c, st, 2)
	if sum.WorkDone != 2 || st.Deadlines.RefusalBy == nil || sum.TellRefusalBy != *st.Deadlines.RefusalBy {
		t.Fatalf("work %d/%d, tell refusal by %s (refusal by %v)", sum.WorkDone, sum.WorkTotal, sum.TellRefusalBy, st.Deadlines.RefusalBy)
	}
}
