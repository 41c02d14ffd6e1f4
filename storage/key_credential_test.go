package storage

import (
	"os"
	"path/filepath"
	"testing"
)

// Under systemd the team server's key comes from $CREDENTIALS_DIRECTORY
// (LoadCredentialEncrypted=rightsdesk.key:...): the store signs with it
// and makes no key file of its own; the key is the one the chain records,
// so no key_replaced event appears.
func TestTheServiceSignsWithItsSystemdCredential(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	s := newStore(t)
	addCase(t, s, "Zoé Lefèvre") // makes the key file in the state folder
	made, err := filepath.Glob(filepath.Join(state, "rightsdesk", "*.key"))
	if err != nil || len(made) != 1 {
		t.Fatalf("key files made: %v %v", made, err)
	}
	// The operator moves it into an encrypted credential; systemd hands it
	// to the service decrypted, read-only.
	creds := t.TempDir()
	data, err := os.ReadFile(made[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, CredentialName), data, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(made[0]); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	addCase(t, s, "Søren Holm")
	if again, _ := filepath.Glob(filepath.Join(state, "rightsdesk", "*.key")); len(again) != 0 {
		t.Errorf("a key file was made beside the credential: %v", again)
	}
	events, err := s.KeyEvents()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Kind != KeyCreated {
		t.Fatalf("key events %+v: the credential is the key created first, nothing replaced", events)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check: %v %+v", err, problems)
	}
	// Without the credential the key would be missing: the store would make
	// a new one and say so, which is what the credential spares.
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	addCase(t, s, "Grażyna Woźniak")
	if events, _ = s.KeyEvents(); len(events) != 2 || events[1].Kind != KeyReplaced {
		t.Fatalf("without the credential: %+v", events)
	}
}
