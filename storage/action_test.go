package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rightsdesk/cases"
	"rightsdesk/storage/kv"
)

func attach(name string, kind cases.AttachmentKind, content []byte) Action {
	return Action{Event: cases.Event{Kind: cases.EventAttached, Actor: "dpo",
		Attachment: &cases.Attachment{Name: name, Kind: kind, Category: "orders"}},
		IfRevision: NoRevision, Content: content}
}

func TestAttachStoresTheFileAndItsChecksum(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	csv := []byte("order,date\n1042,2026-01-05\n")
	res, err := s.Do(id, []Action{attach("orders.csv", "", csv), attach("mail.eml", cases.AttachmentCorrespondence, []byte("Subject: hi\n"))}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(csv)
	a := res[0].Event.Attachment
	if a.Size != int64(len(csv)) || a.SHA256 != hex.EncodeToString(sum[:]) || a.Kind != cases.AttachmentDataCopy {
		t.Fatalf("recorded attachment %+v", a)
	}
	if res[1].Revision != 3 {
		t.Fatalf("two attachments in one call are two events: revision %d, want 3", res[1].Revision)
	}
	got, err := s.File(id, "orders.csv")
	if err != nil || !bytes.Equal(got, csv) {
		t.Fatalf("file back: %q %v", got, err)
	}
	if _, err := s.File(id, "nothing.txt"); err == nil {
		t.Fatal("a file never attached was found")
	}
	if p, err := s.Check(); err != nil || len(p) != 0 {
		t.Fatalf("check after attaching: %v %v", p, err)
	}

	// An altered file is damage check names.
	err = s.update(func(tx kv.Tx) error {
		return putFile(tx, id, "orders.csv", []byte("order,date\n9999,2026-01-05\n"))
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Check()
	if err != nil || len(p) != 1 || p[0].CaseID != id || !strings.Contains(p[0].Detail, "orders.csv") {
		t.Fatalf("check after altering a file: %v %v", p, err)
	}
}

func TestAttachAboveTheLimitIsRefusedWithNothingWritten(t *testing.T) {
	s := Open(newStore(t).Path(), Options{LockTimeout: 300 * time.Millisecond, MaxFileSize: 1000})
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	_, err := s.Do(id, []Action{attach("small.txt", "", []byte("ok")), attach("big.bin", "", make([]byte, 1001))}, testNow)
	var tl *TooLarge
	if !errors.As(err, &tl) || tl.Size != 1001 || tl.Limit != 1000 || !strings.Contains(err.Error(), "big.bin") {
		t.Fatalf("want TooLarge naming big.bin, got %v", err)
	}
	l, _ := s.Get(id)
	if l.Revision != 1 {
		t.Fatalf("a refused batch wrote something: revision %d", l.Revision)
	}
	if _, err := s.Do(id, []Action{attach("exact.bin", "", make([]byte, 1000))}, testNow); err != nil {
		t.Fatalf("a file at the limit: %v", err)
	}
}

func TestDoIsAllOrNothing(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	ack := Action{Event: cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, IfRevision: NoRevision}
	_, err := s.Do(id, []Action{ack, ack}, testNow)
	var refused *cases.Refused
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "already acknowledged") {
		t.Fatalf("second acknowledgement: %v", err)
	}
	l, _ := s.Get(id)
	if l.Revision != 1 || len(l.Case.Events) != 1 {
		t.Fatalf("the first action of a refused batch was kept: revision %d", l.Revision)
	}
}

func TestDoAtIsADateInTheCaseZone(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	res, err := s.Do(id, []Action{{Event: cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo",
		Late: "the acknowledgement was e-mailed from a phone"}, At: "2026-03-03", IfRevision: 1}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	// Midnight in Paris on 3 March 2026 (CET, UTC+1) is 23:00 UTC the day before.
	if want := time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC); !res[0].Event.At.Equal(want) {
		t.Fatalf("--at 2026-03-03 recorded %s, want %s", res[0].Event.At.UTC(), want)
	}
	if !res[0].Event.RecordedAt.Equal(testNow) {
		t.Fatalf("recorded at %s, want now", res[0].Event.RecordedAt)
	}
	_, err = s.Do(id, []Action{{Event: cases.Event{Kind: cases.EventNoted, Text: "x", Actor: "dpo"}, At: "2026-02-30", IfRevision: NoRevision}}, testNow)
	var refused *cases.Refused
	if !errors.As(err, &refused) {
		t.Fatalf("an impossible date: %v", err)
	}
}

func TestSendRecordsTheExportedChecksum(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	sum := strings.Repeat("ab", 32)
	_, err := s.Do(id, []Action{
		{Event: cases.Event{Kind: cases.EventExported, Letter: cases.LetterAcknowledgement, Checksum: sum, Actor: "dpo"}, IfRevision: NoRevision},
		{Event: cases.Event{Kind: cases.EventSent, Letter: cases.LetterAcknowledgement, Actor: "dpo"}, IfRevision: NoRevision},
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.Get(id)
	if got := l.Case.Events[2]; got.Kind != cases.EventSent || got.Checksum != sum {
		t.Fatalf("sent event %+v, want the exported checksum", got)
	}
}

func TestChainLinksEndAtTheHead(t *testing.T) {
	s := newStore(t)
	id := addCase(t, s, "Zoé Lefèvre")[0].ID
	if _, err := s.Apply(id, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	links, err := s.Chain(id)
	if err != nil || len(links) != 2 {
		t.Fatalf("%v %v", links, err)
	}
	l, _ := s.Get(id)
	if links[0].Prev != chainStart(id) || links[1].Prev != links[0].Hash || links[1].Hash != l.Head {
		t.Fatalf("links do not chain to the head %s: %+v", l.Head, links)
	}
	if _, err := s.Chain("DSR-2026-999999"); err == nil {
		t.Fatal("an unknown case has a chain")
	}
}

func TestEachReadsTheCasesInTheOrderGiven(t *testing.T) {
	s := newStore(t)
	if err := s.Each([]string{"DSR-2026-000001"}, func(*Loaded) error { return nil }); err == nil {
		t.Fatal("a case in a database that does not exist")
	}
	a := addCase(t, s, "Zoé Lefèvre")[0].ID
	b := addCase(t, s, "Marc Durand")[0].ID
	if _, err := s.Apply(b, cases.Event{Kind: cases.EventAcknowledged, Actor: "dpo"}, NoRevision, testNow); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := s.Each([]string{b, a}, func(l *Loaded) error {
		got = append(got, fmt.Sprintf("%s@%d", l.Case.Subject.Name, l.Revision))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "Marc Durand@2,Zoé Lefèvre@1" {
		t.Fatalf("%v %v", got, err)
	}
	var notFound *NotFound
	if err := s.Each([]string{a, "DSR-2026-999999"}, func(*Loaded) error { return nil }); !errors.As(err, &notFound) {
		t.Fatalf("an unknown case: %v", err)
	}
}
