package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"rightsdesk/cases"
)

// What show adds to a case beside its facts, deadlines and timeline: the
// work behind the answer (WORK.md), the entries recorded late, whether a
// refusal was told late, and the forwarding of the request.

// caseJSON is a case as show --json prints it: the case of CLI.md with
// its work list and what was recorded about its timeliness.
type caseJSON struct {
	*cases.View
	// Work is one entry per item of the work list, in its order.
	Work []workJSON `json:"work"`
	// RefusalLate: the first letter telling a refusal went after refusal_by.
	RefusalLate bool `json:"refusal_late"`
	// Late are the events recorded more than a day after they happened.
	Late []lateJSON `json:"late"`
	// Forwarded is the last forwarding of the request, null when none.
	Forwarded *forwardedJSON `json:"forwarded"`
}

// workJSON is one item of the work list and its last result, with the
// result's details; Result is null while the item is open.
type workJSON struct {
	Item    string        `json:"item"`
	Name    string        `json:"name"`
	Result  *cases.Result `json:"result"`
	At      *time.Time    `json:"at,omitempty"`
	Actor   string        `json:"actor,omitempty"`
	What    string        `json:"what,omitempty"`
	Files   []string      `json:"files,omitempty"`
	Ground  cases.Ground  `json:"ground,omitempty"`
	Law     string        `json:"law,omitempty"`
	Until   *cases.Date   `json:"until,omitempty"`
	Trigger *cases.Date   `json:"trigger_date,omitempty"`
	Review  *cases.Date   `json:"review,omitempty"`
	// End is when kept data go (KeptEnd), with its working when computed
	// from the rule's period.
	End        *cases.Date `json:"end,omitempty"`
	EndWorking string      `json:"end_working,omitempty"`
	Customer   string      `json:"customer,omitempty"`
	Reason     string      `json:"reason,omitempty"`
	Late       string      `json:"late,omitempty"`
	// History counts the results recorded for the item, corrections
	// included (the last counts).
	History int `json:"history"`
}

// lateJSON is an event recorded late, and why.
type lateJSON struct {
	Kind       cases.EventKind `json:"kind"`
	At         time.Time       `json:"at"`
	RecordedAt time.Time       `json:"recorded_at"`
	Actor      string          `json:"actor"`
	Why        string          `json:"why"`
}

// forwardedJSON is the forwarding of a request to whose data they are.
type forwardedJSON struct {
	To    string    `json:"to"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
}

// newCaseJSON is show --json's case.
func newCaseJSON(v *cases.View, st *cases.State) *caseJSON {
	out := &caseJSON{View: v, Work: make([]workJSON, 0, len(st.Work)),
		RefusalLate: st.RefusalLate(), Late: make([]lateJSON, 0, len(st.Late))}
	for i := range st.Work {
		out.Work = append(out.Work, newWorkJSON(&st.Work[i]))
	}
	for _, e := range st.Late {
		out.Late = append(out.Late, lateJSON{Kind: e.Kind, At: e.At, RecordedAt: e.RecordedAt, Actor: e.Actor, Why: e.Late})
	}
	if f := st.Forwarded; f != nil {
		out.Forwarded = &forwardedJSON{To: f.Customer, At: f.At, Actor: f.Actor}
	}
	return out
}

func newWorkJSON(w *cases.WorkItem) workJSON {
	out := workJSON{Item: w.ID, Name: w.Name, History: len(w.History)}
	if name := w.ResultName(); name != "" {
		out.Result = &name
	}
	e := w.Result
	if e == nil {
		return out
	}
	at := e.At
	out.At, out.Actor, out.What, out.Files, out.Law = &at, e.Actor, e.What, e.Files, e.Law
	out.Until, out.Trigger, out.Review, out.Customer, out.Reason, out.Late = e.Until, e.TriggerDate, e.Review, e.Customer, e.Reason, e.Late
	if len(e.Grounds) > 0 {
		out.Ground = e.Grounds[0]
	}
	if end, working, ok := w.KeptEnd(); ok {
		out.End, out.EndWorking = &end, working
	}
	return out
}

// printWork is show's work list: each item, its name, its result with its
// details and date, or "open"; then a refusal told late, the forwarding
// and the entries recorded late.
func printWork(w io.Writer, c *caseJSON, loc *time.Location) {
	p := cases.Printable
	if len(c.Work) > 0 {
		fmt.Fprintf(w, "\nwork (%d of %d open):\n", c.WorkOpen, len(c.Work))
		width := 0
		for _, item := range c.Work {
			width = max(width, len(item.Item))
		}
		for _, item := range c.Work {
			fmt.Fprintf(w, "  %-*s  %s: %s\n", width, p(item.Item), p(item.Name), p(workResultWords(item, loc)))
		}
	}
	if c.RefusalLate {
		fmt.Fprintf(w, "\nrefusal told late: the first letter telling it went after %s (refusal_late)\n", dateOr(c.RefusalBy))
	}
	if f := c.Forwarded; f != nil {
		fmt.Fprintf(w, "\nforwarded to %s on %s by %s\n", p(f.To), cases.DateOf(f.At, loc), p(f.Actor))
	}
	if len(c.Late) > 0 {
		fmt.Fprintf(w, "\nrecorded late (%d):\n", len(c.Late))
		for _, l := range c.Late {
			fmt.Fprintf(w, "  %s on %s: %s\n", l.Kind, cases.DateOf(l.At, loc), p(lateWords(l.At, l.RecordedAt, l.Why)))
		}
	}
}

// workResultWords is an item's result as show says it: "open", "not
// worked", or the result with its details and its date.
func workResultWords(item workJSON, loc *time.Location) string {
	if item.Result == nil {
		return "open"
	}
	if *item.Result == cases.ResultNotWorked {
		return "not worked (the case closed with an outcome that answers nothing item by item)"
	}
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+v)
		}
	}
	date := func(d *cases.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	add("", strings.Join(item.Files, ", "))
	if item.Ground != "" { // never a bare slug: what it stands for too
		add("ground ", cases.GroundLabel(string(item.Ground)))
	}
	add("", item.What)
	add("law: ", item.Law)
	switch *item.Result {
	case cases.ResultErasureInstructed:
		add("expected by ", date(item.Until))
	case cases.ResultBeyondUse:
		add("overwritten by ", date(item.Until))
	default:
		add("until ", date(item.Until))
	}
	add("period from ", date(item.Trigger))
	if item.End != nil && item.Until == nil {
		add("ends ", item.End.String()+" ("+item.EndWorking+")")
	}
	add("reviewed by ", date(item.Review))
	add("for ", item.Customer)
	add("why: ", item.Reason)
	out := string(*item.Result) + " on " + cases.DateOf(*item.At, loc).String()
	if len(parts) > 0 {
		out += " (" + strings.Join(parts, "; ") + ")"
	}
	if item.History > 1 {
		out += fmt.Sprintf(", corrected: %d results recorded", item.History)
	}
	if item.Late != "" {
		out += " [late: " + item.Late + "]"
	}
	return out
}

// lateWords says how late an entry was recorded and why: "recorded 3 days
// late: the call was logged on paper".
func lateWords(at, recorded time.Time, why string) string {
	d := recorded.Sub(at)
	span := cases.Plural(int(d.Hours()), "hour")
	if d >= 48*time.Hour {
		span = cases.Plural(int(d.Hours()/24), "day")
	}
	return "recorded " + span + " late: " + why
}

func dateOr(d *cases.Date) string {
	if d == nil {
		return "the refusal deadline"
	}
	return d.String()
}
