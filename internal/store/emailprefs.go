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
// optional email, the account's page reads and writes it whole.
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
	k, err := emailPrefsKey(a)
	if err != nil {
		return emailprefs.Prefs{}, err
	}
	item, err := s.t.Get(ctx, k)
	if errors.Is(err, table.ErrNotFound) {
		return emailprefs.Prefs{}, nil
	}
	if err != nil {
		return emailprefs.Prefs{}, fmt.Errorf("read email choices of %s: %w", k.PK, err)
	}
	var it emailPrefsItem
	if err := table.Unmarshal(item, &it); err != nil {
		return emailprefs.Prefs{}, err
	}
	return emailprefs.Prefs{Off: it.Off, UpdatedAt: parseTime(it.UpdatedAt), Via: it.Via, Version: it.Version}, nil
}

// SetPrefs writes a's choices whole as the next version, over the one
// they were read at only (emailprefs.ErrChanged otherwise).
func (s *EmailPrefs) SetPrefs(ctx context.Context, a emailprefs.Account, p emailprefs.Prefs) error {
	k, err := emailPrefsKey(a)
	if err != nil {
		return err
	}
	item, err := table.Marshal(emailPrefsItem{PK: k.PK, SK: k.SK, Type: "email-prefs", Off: p.Off, UpdatedAt: formatTime(p.UpdatedAt),
		Via: p.Via, Version: p.Version + 1})
	if err != nil {
		return err
	}
	cond := table.IfNotExists()
	if p.Version > 0 {
		cond = table.IfEqual("version", table.N(p.Version))
	}
	err = s.t.Write(ctx, table.Put(item, cond))
	if table.IsConditionFailed(err) || errors.Is(err, table.ErrConflict) {
		return emailprefs.ErrChanged
	}
	if err != nil {
		return fmt.Errorf("write email choices of %s: %w", k.PK, err)
	}
	return nil
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
