package cases

import (
	"slices"
	"testing"

	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
)

// The tables made on first use rather than at the start of the program
// (folding, everyRow, holidayLists) hold what the package-level values
// they replaced held.

func TestFoldTablesAgree(t *testing.T) {
	f := folding()
	if len(f.latin) < 100 {
		t.Fatalf("the fold map has %d letters", len(f.latin))
	}
	for accented, plain := range f.latin {
		if int(accented) < len(f.table) && f.table[accented] != plain {
			t.Errorf("table[%q] = %q, the map says %q", accented, f.table[accented], plain)
		}
		if got, ok := PlainLetter(accented); !ok || got != plain {
			t.Errorf("PlainLetter(%q) = %q, %v; want %q", accented, got, ok, plain)
		}
	}
	for r, plain := range f.table {
		if plain != 0 && f.latin[rune(r)] != plain {
			t.Errorf("table[%q] = %q, not in the map", rune(r), plain)
		}
	}
	for in, want := range map[string]string{"Éléni Nikoláou": "eleni nikolaou", "Straße Þór Æsa": "strasse thor aesa",
		"Ελένη Νικολάου": "ελενη νικολαου", "ễı": "ei", "plain": "plain"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEveryRowCountsTheChunk(t *testing.T) {
	rows := everyRow()
	if len(rows) != chunkRows {
		t.Fatalf("everyRow has %d rows, want %d", len(rows), chunkRows)
	}
	for i, r := range rows {
		if r != i {
			t.Fatalf("everyRow[%d] = %d", i, r)
		}
	}
}

func TestHolidayListsAssembled(t *testing.T) {
	lists := holidayLists()
	if got := len(CalendarCodes()); got != len(lists) || got < 70 {
		t.Fatalf("CalendarCodes has %d codes, the lists %d", got, len(lists))
	}
	if l, ok := lists[WeekendsOnly]; !ok || l != nil {
		t.Errorf("%s: %v, %v; want a known calendar with no holidays", WeekendsOnly, l, ok)
	}
	for _, code := range []string{"GR", "CY"} {
		l := lists[code]
		if len(l) == 0 || l[0].Name != "Πρωτοχρονιά" || slices.Contains(l, gr.Protoxronia) {
			t.Errorf("%s does not begin with its own New Year (%d holidays)", code, len(l))
		}
	}
	if len(lists["GR"]) != len(gr.Holidays) || !slices.Contains(lists["CY"], cyIndependenceDay) {
		t.Errorf("GR has %d holidays (the library %d); CY has Independence Day: %v", len(lists["GR"]), len(gr.Holidays),
			slices.Contains(lists["CY"], cyIndependenceDay))
	}
	if sct := lists["GB-SCT"]; !slices.Contains(sct, gbStAndrew) || !slices.Contains(sct, gb.VEDay) || slices.Contains(sct, gb.SummerHoliday) {
		t.Errorf("GB-SCT: St Andrew's Day, the one-off days and not England's summer holiday expected")
	}
	if nir := lists["GB-NIR"]; len(nir) != len(gb.Holidays)+2 || nir[len(nir)-1] != gbBoyne {
		t.Errorf("GB-NIR: England's holidays and two more expected, got %d", len(nir))
	}
	c, err := LookupCalendar("cy")
	if err != nil || c.Code != "CY" {
		t.Fatalf("LookupCalendar(cy) = %v, %v", c, err)
	}
	if _, err := LookupCalendar("XX"); err == nil {
		t.Error("LookupCalendar(XX) found a calendar")
	}
}
