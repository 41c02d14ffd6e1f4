package export

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"rightsdesk/cases"
)

// BenchmarkPacket20MB: the final access packet of a case with 20 MB of
// data-copy attachments (10 files of 2 MB: half text-like CSV exports,
// half incompressible bytes such as scans). Target: 300 ms.
func BenchmarkPacket20MB(b *testing.B) {
	reg, _ := registers(b).Get("callrix")
	s := newScenario(b, reg, cases.RightAccess, nil)
	s.do(cases.Event{Kind: cases.EventIdentityVerified, Method: "e-mail"})
	rng := rand.New(rand.NewPCG(1, 2))
	total := 0
	for i := range 10 {
		data := make([]byte, 2<<20)
		if i%2 == 0 {
			line := 0
			for n := 0; n < len(data); {
				n += copy(data[n:], fmt.Sprintf("%d,2025-01-%02dT10:%02d:00Z,login,192.0.2.%d,ok\n", line, line%28+1, line%60, line%250))
				line++
			}
		} else {
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
		}
		total += len(data)
		s.attach(fmt.Sprintf("export-%02d.csv", i), "usage", "logs", data)
	}
	s.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled})
	in := s.input("")
	b.SetBytes(int64(total))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
}
