package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/table"
)

// EmailPrefs is the emailprefs.Store on the table:
//
//	HOLDER#<id>    EMAILPREFS   the reminders a holder turned off
//	PROVIDER#<id>  EMAILPREFS   a provider's
//
// In the account's own partition: the mail sender reads one (GetItem) per
// optional email, the account's page reads it and writes it whole, over
// the version it read (Update).
type EmailPrefs struct{ t table.Table }

var _ emailprefs.Store = (*EmailPrefs)(nil)

// NewEmailPrefs returns the store on t.
func NewEmailPrefs(t table.Table) *EmailPrefs { return &EmailPrefs{t: t} }

type emailPrefsItem struct {
	PK        string   `json:"PK"`
	SK        string   `json:"SK"`
	Type      string   `json:"type"`
	Off       []string `json:"off,omitempty"`
	UpdatedAt string   `json:"updatedAt"`
	Via       string   `json:"via"`
	Version   int64    `json:"version"`
}

// Prefs reads a's choices; none when it never chose.
func (s *EmailPrefs) Prefs(ctx context.Context, a emailprefs.Account) (emailprefs.Prefs, error) {
	p, _, err := s.read(ctx, a)
	return p, err
}

// read is a's choices and the version they are at (0: none stored, as
// no stored choices are at version 0: the first write is version 1).
func (s *EmailPrefs) read(ctx context.Context, a emailprefs.Account) (emailprefs.Prefs, int64, error) {
	k, err := emailPrefsKey(a)
	if err != nil {
		return emailprefs.Prefs{}, 0, err
	}
	item, err := s.t.Get(ctx, k)
	if errors.Is(err, table.ErrNotFound) {
		return emailprefs.Prefs{}, 0, nil
	}
	if err != nil {
		return emailprefs.Prefs{}, 0, fmt.Errorf("read email choices of %s: %w", k.PK, err)
	}
	var it emailPrefsItem
	if err := table.Unmarshal(item, &it); err != nil {
		return emailprefs.Prefs{}, 0, err
	}
	return emailprefs.Prefs{Off: it.Off, UpdatedAt: parseTime(it.UpdatedAt), Via: it.Via}, it.Version, nil
}

// errUnchanged ends an update whose edit changed nothing.
var errUnchanged = errors.New("email choices unchanged")

// Update is the read-modify-write of a's choices (table.UpdateVersioned,
// which creates them the first time): edit changes them, or returns false
// to write nothing; the choices as they stand after.
func (s *EmailPrefs) Update(ctx context.Context, a emailprefs.Account, edit func(p *emailprefs.Prefs) bool) (emailprefs.Prefs, error) {
	k, err := emailPrefsKey(a)
	if err != nil {
		return emailprefs.Prefs{}, err
	}
	var p emailprefs.Prefs
	err = table.UpdateVersioned(ctx, s.t, func() (table.Versioned, error) {
		var version int64
		var err error
		if p, version, err = s.read(ctx, a); err != nil {
			return table.Versioned{}, err
		}
		if !edit(&p) {
			return table.Versioned{}, errUnchanged
		}
		item, err := table.Marshal(emailPrefsItem{PK: k.PK, SK: k.SK, Type: "email-prefs", Off: p.Off, UpdatedAt: formatTime(p.UpdatedAt),
			Via: p.Via, Version: version + 1})
		return table.Versioned{Item: item, Version: version, New: version == 0}, err
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return emailprefs.Prefs{}, fmt.Errorf("write email choices of %s: %w", k.PK, err)
	}
	return p, nil
}

// emailPrefsKey is the item of a's choices, in its own partition.
func emailPrefsKey(a emailprefs.Account) (table.Key, error) {
	switch {
	case a.ID == "":
	case a.Audience == emailprefs.Holder:
		return table.Key{PK: pkHolder + a.ID, SK: skEmailPrefs}, nil
	case a.Audience == emailprefs.Provider:
		return table.Key{PK: pkProvider + a.ID, SK: skEmailPrefs}, nil
	}
	return table.Key{}, fmt.Errorf("email choices of %+v: no such account", a)
}
