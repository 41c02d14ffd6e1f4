package cases

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/us"
)

// calendarInterpretations say, per calendar, where the list of holidays is
// itself a reading of the law: shown in the working of every deadline on
// that calendar, since every interpretation must be visible.
var calendarInterpretations = map[string][]string{
	"CY": {"Easter Tuesday not counted as a holiday: bank holiday only, so the date is never later than the statutory one (a register may add it as an extra holiday)",
		"Christmas Eve not counted as a holiday: public-service holiday only (a register may add it as an extra holiday)"},
	"CH": {"federal public holidays only (1 January, Ascension, 1 August, 25 December); " +
		"a canton's own holidays need its calendar (CH-ZH, CH-GE...)"},
	WeekendsOnly: {"Saturdays and Sundays only: no public holiday is counted"},
}

// Interpretations are the readings of the law this calendar's holiday list
// rests on, in words for the working.
func (c *Calendar) Interpretations() []string { return calendarInterpretations[c.Code] }

// WeekendsOnly is the calendar with no public holidays at all: the
// EU-wide clock compared with an assumed seat's (Rules.EarliestClock),
// which no member state's holiday can make later.
const WeekendsOnly = "weekends"

// Calendar says which dates are working days for a case: not Saturday, not
// Sunday, not a public holiday of the named holiday calendar (observed dates,
// so substitute bank holidays count), and not one of the extra dates a
// register lists. A Calendar is safe for concurrent use.
type Calendar struct {
	// Code is the ISO 3166-1 or ISO 3166-2 code the calendar was built for.
	Code     string
	holidays []*cal.Holiday
	extra    map[Date]string
	shared   *Calendar // the cached calendar without extra dates, if any

	mu    sync.Mutex
	years map[int]map[Date]string
}

// Cyprus is not in rickar/cal. Its Easter-dependent holidays follow the
// Orthodox calendar, which the Greek calendar of the library computes; the
// fixed national dates are added here. Easter Tuesday and Christmas Eve are
// bank and public-service holidays only and are left out, so the deadline is
// never later than the statutory one; a register can add them as extra
// holidays.
var (
	cyCyprusNationalDay = &cal.Holiday{Name: "Cyprus National Day", Type: cal.ObservancePublic,
		Month: time.April, Day: 1, Func: cal.CalcDayOfMonth}
	cyIndependenceDay = &cal.Holiday{Name: "Cyprus Independence Day", Type: cal.ObservancePublic,
		Month: time.October, Day: 1, Func: cal.CalcDayOfMonth}
)

// greekAndCypriot are the holidays of GR and of CY (made by holidayLists).
func greekAndCypriot() (gre, cy []*cal.Holiday) {
	// grNewYear: the library names 1 January "Xristougenna" (Christmas); the
	// working names the day a date was skipped for, so it gets its own name.
	grNewYear := gr.Protoxronia.Clone(&cal.Holiday{Name: "Πρωτοχρονιά"})
	cy = []*cal.Holiday{
		grNewYear, gr.Theophania, gr.KatharaDeftera, gr.IkostiPemptiMartiou, cyCyprusNationalDay,
		gr.MegaliParaskevi, gr.DefteraPascha, gr.ErgatikiProtomagia, gr.AgiouPrevmatos,
		gr.KimisiTisTheotokou, cyIndependenceDay, gr.ImeraTouOchi, gr.Christougenna,
		gr.SinaxisYperagiasTheotokou,
	}
	gre = append([]*cal.Holiday{grNewYear}, slices.DeleteFunc(slices.Clone(gr.Holidays),
		func(h *cal.Holiday) bool { return h == gr.Protoxronia })...)
	return gre, cy
}

// Scotland and Northern Ireland differ from England and Wales; the library
// has only the England and Wales list, so the two are assembled here from
// the library's building blocks plus their own days.
var (
	gbWeekendAlt = []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 1}}
	gbSecondJan  = &cal.Holiday{Name: "2nd January", Type: cal.ObservanceBank, Month: time.January, Day: 2,
		Func: cal.CalcDayOfMonth, Observed: []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 2}, {Day: time.Monday, Offset: 1}}}
	gbStAndrew  = &cal.Holiday{Name: "St Andrew's Day", Type: cal.ObservanceBank, Month: time.November, Day: 30, Func: cal.CalcDayOfMonth, Observed: gbWeekendAlt}
	gbStPatrick = &cal.Holiday{Name: "St Patrick's Day", Type: cal.ObservanceBank, Month: time.March, Day: 17, Func: cal.CalcDayOfMonth, Observed: gbWeekendAlt}
	gbBoyne     = &cal.Holiday{Name: "Battle of the Boyne", Type: cal.ObservanceBank, Month: time.July, Day: 12, Func: cal.CalcDayOfMonth, Observed: gbWeekendAlt}
	gbOneOffs   = []*cal.Holiday{gb.VEDay, gb.CoronationDay, gb.SpringHoliday2022, gb.PlatinumJubilee}
)

// scottishAndNorthernIrish are the holidays of GB-SCT and of GB-NIR (made
// by holidayLists).
func scottishAndNorthernIrish() (sct, nir []*cal.Holiday) {
	sct = append([]*cal.Holiday{gb.NewYear, gbSecondJan, gb.GoodFriday, gb.EarlyMay, gb.SpringHoliday,
		gb.SummerHolidayScotland, gbStAndrew, gb.ChristmasDay, gb.BoxingDay}, gbOneOffs...)
	return sct, append(slices.Clone(gb.Holidays), gbStPatrick, gbBoyne)
}

// Switzerland has almost no nationwide public holidays: New Year, Ascension
// and Christmas are equated to Sundays by federal law and 1 August is the
// federal holiday. "CH" is those four; cantons are named CH-ZH, CH-GE, ...
var chFederal = []*cal.Holiday{ch.Neujahr, ch.Auffahrt, ch.Bundesfeiertag, ch.Weihnachtstag}

// holidayLists are the public holidays of each calendar the engine knows,
// made on the first lookup, not at every start of the program.
var holidayLists = sync.OnceValue(func() map[string][]*cal.Holiday {
	grHolidays, cyHolidays := greekAndCypriot()
	gbScotland, gbNorthernIreland := scottishAndNorthernIrish()
	return map[string][]*cal.Holiday{
		"AT": at.Holidays, "BE": be.Holidays, "BG": bg.Holidays, "BR": br.Holidays, "CA": ca.Holidays,
		"CH": chFederal, "CY": cyHolidays, WeekendsOnly: nil, "CZ": cz.Holidays, "DE": de.Holidays, "DK": dk.Holidays,
		"ES": es.Holidays, "FR": fr.Holidays, "GB": gb.Holidays, "GB-EAW": gb.Holidays,
		"GB-SCT": gbScotland, "GB-NIR": gbNorthernIreland, "GR": grHolidays, "HR": hr.Holidays,
		"IE": ie.Holidays, "IT": it.Holidays, "LT": lt.Holidays, "LV": lv.Holidays, "NL": nl.Holidays,
		"NO": no.Holidays, "PL": pl.Holidays, "RO": ro.Holidays, "SE": se.Holidays, "SI": si.Holidays,
		"SK": sk.Holidays, "US": us.Holidays,
		"DE-BW": de.HolidaysBW, "DE-BY": de.HolidaysBY, "DE-BE": de.HolidaysBE, "DE-BB": de.HolidaysBB,
		"DE-HB": de.HolidaysHB, "DE-HH": de.HolidaysHH, "DE-HE": de.HolidaysHE, "DE-MV": de.HolidaysMV,
		"DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW, "DE-RP": de.HolidaysRP, "DE-SL": de.HolidaysSL,
		"DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST, "DE-SH": de.HolidaysSH, "DE-TH": de.HolidaysTH,
		"CH-AG": ch.HolidaysAG, "CH-AI": ch.HolidaysAI, "CH-AR": ch.HolidaysAR, "CH-BE": ch.HolidaysBE,
		"CH-BL": ch.HolidaysBL, "CH-BS": ch.HolidaysBS, "CH-FR": ch.HolidaysFR, "CH-GE": ch.HolidaysGE,
		"CH-GL": ch.HolidaysGL, "CH-GR": ch.HolidaysGR, "CH-JU": ch.HolidaysJU, "CH-LU": ch.HolidaysLU,
		"CH-NE": ch.HolidaysNE, "CH-NW": ch.HolidaysNW, "CH-OW": ch.HolidaysOW, "CH-SG": ch.HolidaysSG,
		"CH-SH": ch.HolidaysSH, "CH-SO": ch.HolidaysSO, "CH-SZ": ch.HolidaysSZ, "CH-TG": ch.HolidaysTG,
		"CH-TI": ch.HolidaysTI, "CH-UR": ch.HolidaysUR, "CH-VD": ch.HolidaysVD, "CH-VS": ch.HolidaysVS,
		"CH-ZG": ch.HolidaysZG, "CH-ZH": ch.HolidaysZH,
	}
})

// CalendarCodes lists the holiday calendars the engine knows, sorted.
func CalendarCodes() []string {
	lists := holidayLists()
	codes := make([]string, 0, len(lists))
	for c := range lists {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

var (
	calendarCacheMu sync.Mutex
	calendarCache   = map[string]*Calendar{}
)

// LookupCalendar returns the calendar for an ISO code (case-insensitive)
// plus the extra non-working dates given. The public holidays of each code
// are computed once per year and shared by every calendar of that code.
func LookupCalendar(code string, extra ...Date) (*Calendar, error) {
	key := strings.ToUpper(strings.TrimSpace(code))
	if key == strings.ToUpper(WeekendsOnly) {
		key = WeekendsOnly
	}
	list, ok := holidayLists()[key]
	if !ok {
		return nil, fmt.Errorf("unknown holiday calendar %q (known: %s)", code, strings.Join(CalendarCodes(), ", "))
	}
	calendarCacheMu.Lock()
	shared, ok := calendarCache[key]
	if !ok {
		shared = &Calendar{Code: key, holidays: list}
		calendarCache[key] = shared
	}
	calendarCacheMu.Unlock()
	if len(extra) == 0 {
		return shared, nil
	}
	// Extra dates sit on top of the shared calendar, which keeps computing
	// (and caching) the public holidays.
	c := &Calendar{Code: key, shared: shared, extra: map[Date]string{}}
	for _, d := range extra {
		c.extra[d] = "extra holiday listed in the register"
	}
	return c, nil
}

// holidaysOf computes the holidays observed in year y. A holiday observed
// on a substitute day can cross a year boundary (New Year on a Saturday),
// so the neighbouring years are computed too.
func (c *Calendar) holidaysOf(y int) map[Date]string {
	if c.shared != nil {
		return c.shared.holidaysOf(y)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.years[y]; ok {
		return m
	}
	if c.years == nil {
		c.years = map[int]map[Date]string{}
	}
	m := map[Date]string{}
	for yy := y - 1; yy <= y+1; yy++ {
		for _, h := range c.holidays {
			actual, observed := h.Calc(yy)
			for _, t := range []time.Time{actual, observed} {
				if t.IsZero() || t.Year() != y {
					continue
				}
				d := Date{t.Year(), t.Month(), t.Day()}
				if _, seen := m[d]; !seen {
					m[d] = h.Name
				}
			}
		}
	}
	c.years[y] = m
	return m
}

// Holiday returns the name of the public or extra holiday on d, or "".
func (c *Calendar) Holiday(d Date) string {
	if name, ok := c.extra[d]; ok {
		return name
	}
	return c.holidaysOf(d.Year)[d]
}

// IsWorkingDay reports whether d is neither a weekend day nor a holiday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && c.Holiday(d) == ""
}

// whyNotWorking says why d is not a working day, for the working.
func (c *Calendar) whyNotWorking(d Date) string {
	if name := c.Holiday(d); name != "" {
		return "a public holiday (" + name + ")"
	}
	return "a " + d.Weekday().String()
}

// RollForward returns d if it is a working day, otherwise the first
// working day after it.
func (c *Calendar) RollForward(d Date) Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// NextWorkingDay is RollForward with the reasons for each day skipped.
func (c *Calendar) NextWorkingDay(d Date) (Date, []string) {
	rolled := c.RollForward(d)
	var skipped []string
	for ; d.Before(rolled); d = d.AddDays(1) {
		skipped = append(skipped, d.Human()+" is "+c.whyNotWorking(d))
	}
	return rolled, skipped
}

// AddWorkingDays returns the n-th working day after d (d itself is not
// counted).
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}
