package peers

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/table"

	"rightsdesk/cases"
)

// The queue's columns at 80x24, as a developer would lay them out in a
// bubbles/table: ID, due, right, status, subject.
var tableColumns = []table.Column{{Title: "ID", Width: 15}, {Title: "DUE", Width: 10}, {Title: "RIGHT", Width: 12}, {Title: "STATUS", Width: 14}, {Title: "SUBJECT", Width: 20}}

func tableRow(s *cases.Summary) table.Row {
	due := ""
	if !s.EffectiveDueAt.IsZero() {
		due = s.EffectiveDueAt.Format("2006-01-02")
	}
	return table.Row{s.ID, due, string(s.Right), string(s.Status), s.SubjectName}
}

// BenchmarkTableFrame is a bubbles/table frame at 80x24 over every row,
// the cursor moving one row down each frame, as ui's BenchmarkQueueFrame
// measures the queue's.
func BenchmarkTableFrame(b *testing.B) {
	all := rows(b)
	tr := make([]table.Row, len(all))
	for i := range all {
		tr[i] = tableRow(&all[i])
	}
	t := table.New(table.WithColumns(tableColumns), table.WithRows(tr), table.WithHeight(22), table.WithWidth(80), table.WithFocused(true))
	b.ResetTimer()
	for b.Loop() {
		if t.Cursor() == len(tr)-1 {
			t.GotoTop()
		}
		t.MoveDown(1)
		if v := t.View(); !strings.Contains(v, "DSR-") {
			b.Fatal("no rows in the frame")
		}
	}
}

// item is one queue row as a bubbles/list item.
type item struct{ title, desc string }

func (i item) Title() string       { return i.title }
func (i item) Description() string { return i.desc }
func (i item) FilterValue() string { return i.title }

// BenchmarkListFrame is a bubbles/list frame at 80x24 (its default
// delegate: a title and a description line a row) over every row, the
// cursor moving one row down each frame.
func BenchmarkListFrame(b *testing.B) {
	all := rows(b)
	items := make([]list.Item, len(all))
	for i := range all {
		r := tableRow(&all[i])
		items[i] = item{title: r[0] + "  " + r[4], desc: r[1] + "  " + r[2] + "  " + r[3]}
	}
	l := list.New(items, list.NewDefaultDelegate(), 80, 24)
	b.ResetTimer()
	for b.Loop() {
		if l.Index() == len(items)-1 {
			l.GoToStart()
		}
		l.CursorDown()
		if v := l.View(); !strings.Contains(v, "DSR-") {
			b.Fatal("no rows in the frame")
		}
	}
}
