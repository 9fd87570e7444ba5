package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/names"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/testkit"
)

// fakeAccountsStore is the part of accounts.Store the directory and the
// contact update use, in memory; any other method panics (nil embedded
// interface), which would show a test reaching further than it means to.
type fakeAccountsStore struct {
	accounts.Store
	mu      sync.Mutex
	holders map[string]accounts.Holder
}

func (s *fakeAccountsStore) Holder(_ context.Context, id string) (accounts.Holder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.holders[id]
	if !ok {
		return accounts.Holder{}, accounts.ErrNotFound
	}
	return h, nil
}

func (s *fakeAccountsStore) HolderBySub(_ context.Context, sub string) (accounts.Holder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.holders {
		if h.Sub == sub {
			return h, nil
		}
	}
	return accounts.Holder{}, accounts.ErrNotFound
}

func (s *fakeAccountsStore) UpdateHolder(_ context.Context, id string, fn func(h *accounts.Holder) (accounts.Event, []outbox.Message, error)) (accounts.Holder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.holders[id]
	if !ok {
		return accounts.Holder{}, accounts.ErrNotFound
	}
	if _, _, err := fn(&h); err != nil {
		return accounts.Holder{}, err
	}
	h.Version++
	s.holders[id] = h
	return h, nil
}

// Directory is the store's contract, the slow way: filter, sort, page.
func (s *fakeAccountsStore) Directory(ctx context.Context, prefix string, pg accounts.Page) ([]accounts.DirectoryEntry, string, error) {
	return s.search(ctx, prefix, pg, false)
}

// StaffDirectory is Directory over the unlisted holders too.
func (s *fakeAccountsStore) StaffDirectory(ctx context.Context, prefix string, pg accounts.Page) ([]accounts.DirectoryEntry, string, error) {
	return s.search(ctx, prefix, pg, true)
}

func (s *fakeAccountsStore) search(_ context.Context, prefix string, pg accounts.Page, everyone bool) ([]accounts.DirectoryEntry, string, error) {
	s.mu.Lock()
	var hs []accounts.Holder
	for _, h := range s.holders {
		if (everyone || !h.Unlisted) && strings.HasPrefix(names.Fold(h.LastName), names.Fold(prefix)) {
			hs = append(hs, h)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(hs, func(a, b accounts.Holder) int {
		key := func(h accounts.Holder) string {
			return names.Fold(h.LastName) + "\x01" + names.Fold(h.FirstName) + "\x01" + h.ID
		}
		return strings.Compare(key(a), key(b))
	})
	page, next, err := fakePage(hs, programs.Page(pg))
	if err != nil {
		return nil, "", err
	}
	out := make([]accounts.DirectoryEntry, 0, len(page))
	for _, h := range page {
		out = append(out, h.DirectoryEntry())
	}
	return out, next, nil
}

// newDirectoryAPI is the accounts API over a fake store of four holders,
// each with an email, phone and address the directory must not show.
func newDirectoryAPI(t *testing.T) (*API, *fakeAccountsStore) {
	t.Helper()
	st := &fakeAccountsStore{holders: map[string]accounts.Holder{}}
	add := func(id, sub, first, last string, m accounts.Membership, codes ...string) {
		h := accounts.Holder{ID: id, Sub: sub, FirstName: first, LastName: last, Email: strings.ToLower(first) + "@secret.test",
			Membership: m, Contact: accounts.Contact{Phone: "+1 703 555 0100",
				Address: &accounts.Address{Line1: "1 Secret St", City: "Arlington", Country: "US"}},
			Credentials: []accounts.Credential{}, CreatedAt: progNow, UpdatedAt: progNow, Version: 1}
		for _, c := range codes {
			h.Credentials = append(h.Credentials, accounts.Credential{Code: c, EarnedOn: "2019-05-01"})
		}
		st.holders[id] = h
	}
	add("H-AAAAAAAAA1", "h1", "José", "Müller", accounts.Member, "CAM", "CAPS")
	add("H-AAAAAAAAA2", "h2", "Ana", "Muller", accounts.Guest)
	add("H-AAAAAAAAA3", "h3", "Zoë", "Mulder", accounts.Guest)
	add("H-AAAAAAAAA4", "h4", "Bob", "Smith", accounts.Member, "NALP")
	svc := accounts.NewService(st, testkit.Policy(t), clock.Fixed(progNow), nil, testkit.NoDispatch{})
	api, err := New(generatedContract(), AccountsRoutes(svc, clock.Fixed(progNow), nil, nil), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return api, st
}

// dirCall sends one request as caller, one of progCallers ("" anonymous).
func dirCall(t *testing.T, api *API, method, target, caller, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	f := &programsFixture{api: api}
	return f.call(t, method, target, caller, body)
}

func directoryQuery(q string, extra ...string) string {
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/directory?" + v.Encode()
}

// jsonKeys returns the sorted keys of a JSON object.
func jsonKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s", raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestAccountsAPI_Directory(t *testing.T) {
	api, _ := newDirectoryAPI(t)

	t.Run("OnlyDirectoryFields", func(t *testing.T) {
		for _, caller := range []string{"p1", "staff"} {
			resp := dirCall(t, api, "GET", directoryQuery(" MÜL "), caller, "")
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d: %s", caller, resp.StatusCode, resp.Body)
			}
			for _, secret := range []string{"secret", "555", "Arlington", "sub", "h1", "createdAt", "email", "contact"} {
				if strings.Contains(resp.Body, secret) {
					t.Fatalf("the directory shows %q: %s", secret, resp.Body)
				}
			}
			var page struct {
				Entries []json.RawMessage `json:"entries"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
				t.Fatal(err)
			}
			if got := jsonKeys(t, json.RawMessage(resp.Body)); !reflect.DeepEqual(got, []string{"entries"}) {
				t.Fatalf("page keys %v (a last page has no nextCursor)", got)
			}
			if len(page.Entries) != 3 {
				t.Fatalf("%d entries: %s", len(page.Entries), resp.Body)
			}
			want := []string{"credentials", "firstName", "holderId", "lapsed", "lastName", "membership"}
			for _, e := range page.Entries {
				if got := jsonKeys(t, e); !reflect.DeepEqual(got, want) {
					t.Fatalf("entry keys %v, want %v", got, want)
				}
			}
			var first, third map[string]any
			json.Unmarshal(page.Entries[0], &first)
			json.Unmarshal(page.Entries[2], &third)
			wantFirst := map[string]any{"holderId": "H-AAAAAAAAA3", "firstName": "Zoë", "lastName": "Mulder",
				"credentials": []any{}, "membership": "guest", "lapsed": false}
			wantThird := map[string]any{"holderId": "H-AAAAAAAAA1", "firstName": "José", "lastName": "Müller",
				"credentials": []any{"CAM", "CAPS"}, "membership": "member", "lapsed": false}
			if !reflect.DeepEqual(first, wantFirst) || !reflect.DeepEqual(third, wantThird) {
				t.Fatalf("entries:\n got %v, %v\nwant %v, %v", first, third, wantFirst, wantThird)
			}
		}
	})
	t.Run("ByID", func(t *testing.T) {
		resp := dirCall(t, api, "GET", directoryQuery("h-aaaaaaaaa4"), "p1", "")
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"holderId":"H-AAAAAAAAA4"`) || strings.Count(resp.Body, "holderId") != 1 {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
		resp = dirCall(t, api, "GET", directoryQuery("H-ZZZZZZZZZZ"), "p1", "")
		if resp.StatusCode != 200 || resp.Body != `{"entries":[]}` {
			t.Fatalf("unknown ID: status %d: %s", resp.StatusCode, resp.Body)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var ids []string
		target := directoryQuery("mu", "limit", "2")
		for range 5 {
			resp := dirCall(t, api, "GET", target, "staff", "")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			var page struct {
				Entries []struct {
					HolderID string `json:"holderId"`
				} `json:"entries"`
				NextCursor string `json:"nextCursor"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Entries {
				ids = append(ids, e.HolderID)
			}
			if page.NextCursor == "" {
				break
			}
			target = directoryQuery("mu", "limit", "2", "cursor", page.NextCursor)
		}
		if want := []string{"H-AAAAAAAAA3", "H-AAAAAAAAA2", "H-AAAAAAAAA1"}; !reflect.DeepEqual(ids, want) {
			t.Fatalf("got %v, want %v", ids, want)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for name, tc := range map[string]struct {
			target, caller string
			status         int
			code           string
			field          string
		}{
			"Holder":       {directoryQuery("mu"), "holder", 403, "forbidden", ""},
			"Anonymous":    {directoryQuery("mu"), "", 401, "unauthenticated", ""},
			"NoQ":          {"/directory", "p1", 400, "invalid_request", "q"},
			"EmptyQ":       {directoryQuery(""), "p1", 400, "invalid_request", "q"},
			"OneLetter":    {directoryQuery(" ü "), "p1", 400, "invalid_request", "q"},
			"TooLong":      {directoryQuery(strings.Repeat("a", 101)), "p1", 400, "invalid_request", "q"},
			"LimitZero":    {directoryQuery("mu", "limit", "0"), "p1", 400, "invalid_request", "limit"},
			"LimitTooHigh": {directoryQuery("mu", "limit", "101"), "staff", 400, "invalid_request", "limit"},
			"BadCursor":    {directoryQuery("mu", "cursor", "zzz"), "staff", 400, "invalid_cursor", ""},
		} {
			t.Run(name, func(t *testing.T) {
				resp := dirCall(t, api, "GET", tc.target, tc.caller, "")
				var body progErrorBody
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
					t.Fatalf("status %d, body %s", resp.StatusCode, resp.Body)
				}
				if resp.StatusCode != tc.status || body.Error.Code != tc.code {
					t.Fatalf("got %d %s, want %d %s: %s", resp.StatusCode, body.Error.Code, tc.status, tc.code, resp.Body)
				}
				if tc.field != "" && !slices.ContainsFunc(body.Error.Details, func(d fault.Detail) bool { return d.Field == tc.field }) {
					t.Fatalf("no detail on %s: %s", tc.field, resp.Body)
				}
			})
		}
	})
}

func TestAccountsAPI_ListedInDirectory(t *testing.T) {
	api, _ := newDirectoryAPI(t)
	listed := func(body string) any {
		t.Helper()
		var h map[string]any
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatal(err)
		}
		return h["listedInDirectory"]
	}
	// The caller "holder" of progCallers is subject h1: José.
	resp := dirCall(t, api, "PUT", "/holders/me/contact", "holder", `{"phone":"+1 703 555 0101","listedInDirectory":false}`)
	if resp.StatusCode != 200 || listed(resp.Body) != false {
		t.Fatalf("opting out: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := dirCall(t, api, "GET", directoryQuery("muller"), "p1", ""); strings.Contains(resp.Body, "H-AAAAAAAAA1") {
		t.Fatalf("opted-out holder found by name: %s", resp.Body)
	}
	if resp := dirCall(t, api, "GET", directoryQuery("H-AAAAAAAAA1"), "p1", ""); resp.Body != `{"entries":[]}` {
		t.Fatalf("opted-out holder found by ID: %s", resp.Body)
	}
	// Omitted, the choice stays.
	resp = dirCall(t, api, "PUT", "/holders/me/contact", "holder", `{"phone":"+1 703 555 0102"}`)
	if resp.StatusCode != 200 || listed(resp.Body) != false {
		t.Fatalf("update without the field: %d %s", resp.StatusCode, resp.Body)
	}
	resp = dirCall(t, api, "PUT", "/holders/me/contact", "holder", `{"listedInDirectory":true}`)
	if resp.StatusCode != 200 || listed(resp.Body) != true {
		t.Fatalf("opting back in: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := dirCall(t, api, "GET", directoryQuery("H-AAAAAAAAA1"), "p1", ""); !strings.Contains(resp.Body, "H-AAAAAAAAA1") {
		t.Fatalf("relisted holder not found: %s", resp.Body)
	}
	resp = dirCall(t, api, "PUT", "/holders/me/contact", "holder", `{"listedInDirectory":"no"}`)
	if resp.StatusCode != 400 {
		t.Fatalf("a non-boolean: %d %s", resp.StatusCode, resp.Body)
	}
}
