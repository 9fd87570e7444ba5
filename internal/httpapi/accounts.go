package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/clock"
	"github.com/cecportal/cecportal/internal/emailprefs"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/undeliverable"
)

// NewAccountsAPI is the handler of the accounts-api Lambda.
// lapses, when not nil, marks the directory's holders whose renewal lapsed.
// imports, staff's import of holders, and undeliv, the addresses mail no
// longer goes to, may be nil where they are not served.
// prefs, the reminders holders and providers choose and their
// unsubscribe links, may be nil too.
func NewAccountsAPI(svc *accounts.Service, c clock.Clock, lapses DirectoryLapses, imports *holderimport.Service,
	undeliv *undeliverable.Service, prefs *emailprefs.Service, opts Options) (*API, error) {
	routes := AccountsRoutes(svc, c, lapses, undeliv)
	if prefs != nil {
		routes = append(routes, EmailPrefsRoutes(prefs)...)
	}
	if imports != nil {
		routes = append(routes, HolderImportRoutes(imports)...)
	}
	if undeliv != nil {
		routes = append(routes, UndeliverableRoutes(undeliv)...)
	}
	return newAPI(routes, opts)
}

// AccountsRoutes are the routes of the accounts-api Lambda: liveness,
// holder accounts (staff: one holder's account and history, and its
// credentials), provider registration and the practitioner directory.
// undeliv, when not nil, says on a holder's or a provider's account when
// mail no longer goes to its address.
func AccountsRoutes(svc *accounts.Service, c clock.Clock, lapses DirectoryLapses, undeliv *undeliverable.Service) []Route {
	h := accountsHandlers{svc: svc, clock: c, lapses: lapses, undeliv: undeliv}
	return []Route{
		{Method: http.MethodGet, Path: "/health", Access: Public, Handle: h.health},
		{Method: http.MethodGet, Path: "/me", Access: SignedIn, Handle: h.me},
		{Method: http.MethodPost, Path: "/holders", Access: SignedIn, Handle: h.createHolder, Precheck: precheckHolder},
		// Any signed-in caller: 404 holder_not_found until they create their
		// account (as GET /providers/me), so that a person who signed up can
		// ask before they have one.
		{Method: http.MethodGet, Path: "/holders/me", Access: SignedIn, Handle: h.myHolder},
		{Method: http.MethodPut, Path: "/holders/me/contact", Access: Roles(identity.RoleHolder), Handle: h.updateContact, Precheck: precheckContact},
		{Method: http.MethodGet, Path: "/holders/{holderId}", Access: Roles(identity.RoleStaff), Handle: h.holderRecord},
		{Method: http.MethodPut, Path: "/holders/{holderId}/credentials", Access: Roles(identity.RoleStaff), Handle: h.setCredentials},
		{Method: http.MethodPost, Path: "/providers", Access: SignedIn, Handle: h.createProvider, Precheck: precheckProvider},
		{Method: http.MethodGet, Path: "/providers/me", Access: SignedIn, Handle: h.myProvider},
		{Method: http.MethodGet, Path: "/directory", Access: Roles(identity.RoleProvider, identity.RoleStaff), Handle: h.directory},
	}
}

type accountsHandlers struct {
	svc     *accounts.Service
	clock   clock.Clock
	lapses  DirectoryLapses        // nil: nobody reads as lapsed
	undeliv *undeliverable.Service // nil: no address reads as undeliverable
}

// Wire shapes of SPEC §7, kept apart from the domain types.

type addressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country"`
}

type contactJSON struct {
	Phone   string       `json:"phone,omitempty"`
	Address *addressJSON `json:"address,omitempty"`
}

type credentialJSON struct {
	Code     string `json:"code"`
	EarnedOn string `json:"earnedOn"`
}

type holderJSON struct {
	HolderID           string           `json:"holderId"`
	FirstName          string           `json:"firstName"`
	LastName           string           `json:"lastName"`
	Email              string           `json:"email"`
	Membership         string           `json:"membership"`
	Contact            contactJSON      `json:"contact"`
	Credentials        []credentialJSON `json:"credentials"`
	ListedInDirectory  bool             `json:"listedInDirectory"`
	ContactConfirmedAt *time.Time       `json:"contactConfirmedAt,omitempty"`
	// MemberNumber and Claimed: an imported holder's number, and whether
	// its person has made it their account yet.
	MemberNumber string    `json:"memberNumber,omitempty"`
	Claimed      bool      `json:"claimed"`
	Imported     bool      `json:"imported"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	// EmailUndeliverable: mail no longer goes to Email (it bounced for
	// good, or its person reported it as spam).
	EmailUndeliverable *undeliverableJSON `json:"emailUndeliverable,omitempty"`
}

// heldJSON is what a holder held at a change of their credentials.
type heldJSON struct {
	Membership  string           `json:"membership"`
	Credentials []credentialJSON `json:"credentials"`
}

type holderEventJSON struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	Detail string    `json:"detail"`
	Before *heldJSON `json:"before,omitempty"`
	After  *heldJSON `json:"after,omitempty"`
}

type holderRecordJSON struct {
	Holder  holderJSON        `json:"holder"`
	History []holderEventJSON `json:"history"`
}

// directoryEntryJSON is all the directory shows of a holder: never email,
// phone or address.
type directoryEntryJSON struct {
	HolderID    string   `json:"holderId"`
	FirstName   string   `json:"firstName"`
	LastName    string   `json:"lastName"`
	Credentials []string `json:"credentials"`
	Membership  string   `json:"membership"`
	Lapsed      bool     `json:"lapsed"`
}

// DirectoryLapses tells which holders' renewals of the current year have
// lapsed (renewals.Service), so that the directory says so.
type DirectoryLapses interface {
	LapsedAmong(ctx context.Context, holderIDs []string) (map[string]bool, error)
}

type directoryPageJSON struct {
	Entries    []directoryEntryJSON `json:"entries"`
	NextCursor string               `json:"nextCursor,omitempty"`
}

type providerJSON struct {
	ProviderID  string      `json:"providerId"`
	Name        string      `json:"name"`
	ContactName string      `json:"contactName"`
	Email       string      `json:"email"`
	Phone       string      `json:"phone"`
	Address     addressJSON `json:"address"`
	CreatedAt   time.Time   `json:"createdAt"`
	// EmailUndeliverable: mail no longer goes to Email.
	EmailUndeliverable *undeliverableJSON `json:"emailUndeliverable,omitempty"`
}

func addressIn(a *addressJSON) *accounts.Address {
	if a == nil {
		return nil
	}
	v := accounts.Address(*a)
	return &v
}

func addressOut(a *accounts.Address) *addressJSON {
	if a == nil {
		return nil
	}
	v := addressJSON(*a)
	return &v
}

func holderOut(h accounts.Holder) holderJSON {
	out := holderJSON{HolderID: h.ID, FirstName: h.FirstName, LastName: h.LastName, Email: h.Email,
		Membership: string(h.Membership), Contact: contactJSON{Phone: h.Contact.Phone, Address: addressOut(h.Contact.Address)},
		Credentials: make([]credentialJSON, 0, len(h.Credentials)), ListedInDirectory: !h.Unlisted,
		MemberNumber: h.MemberNumber, Claimed: h.Sub != "", Imported: h.ImportedBy != "", CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
	for _, c := range h.Credentials {
		out.Credentials = append(out.Credentials, credentialJSON(c))
	}
	if !h.ContactConfirmedAt.IsZero() {
		t := h.ContactConfirmedAt
		out.ContactConfirmedAt = &t
	}
	return out
}

func heldOut(x *accounts.Held) *heldJSON {
	if x == nil {
		return nil
	}
	out := &heldJSON{Membership: string(x.Membership), Credentials: make([]credentialJSON, 0, len(x.Credentials))}
	for _, c := range x.Credentials {
		out.Credentials = append(out.Credentials, credentialJSON(c))
	}
	return out
}

func holderRecordOut(h accounts.Holder, evs []accounts.Event) holderRecordJSON {
	out := holderRecordJSON{Holder: holderOut(h), History: make([]holderEventJSON, 0, len(evs))}
	for _, e := range evs {
		out.History = append(out.History, holderEventJSON{At: e.At.UTC(), By: e.By, Action: e.Action, Detail: e.Detail,
			Before: heldOut(e.Before), After: heldOut(e.After)})
	}
	return out
}

func directoryEntryOut(e accounts.DirectoryEntry) directoryEntryJSON {
	codes := make([]string, 0, len(e.Credentials))
	return directoryEntryJSON{HolderID: e.HolderID, FirstName: e.FirstName, LastName: e.LastName,
		Credentials: append(codes, e.Credentials...), Membership: string(e.Membership)}
}

func providerOut(p accounts.Provider) providerJSON {
	return providerJSON{ProviderID: p.ID, Name: p.Name, ContactName: p.ContactName, Email: p.Email, Phone: p.Phone,
		Address: addressJSON(p.Address), CreatedAt: p.CreatedAt}
}

func (h accountsHandlers) health(_ context.Context, _ *Request) (Response, error) {
	return JSON(http.StatusOK, map[string]any{"status": "ok", "time": h.clock.Now().UTC()}), nil
}

type newHolderJSON struct {
	FirstName string       `json:"firstName"`
	LastName  string       `json:"lastName"`
	Email     string       `json:"email"`
	Contact   *contactJSON `json:"contact"`
}

func (in newHolderJSON) domain() accounts.NewHolder {
	nh := accounts.NewHolder{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email}
	if in.Contact != nil {
		nh.Contact = &accounts.Contact{Phone: in.Contact.Phone, Address: addressIn(in.Contact.Address)}
	}
	return nh
}

func precheckHolder(r *Request) []fault.Detail {
	var in newHolderJSON
	readLeniently(r, &in)
	return accounts.CheckNewHolder(in.domain())
}

func (h accountsHandlers) createHolder(ctx context.Context, r *Request) (Response, error) {
	var in newHolderJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	holder, err := h.svc.CreateHolder(ctx, r.Caller, in.domain())
	if err != nil {
		return Response{}, err
	}
	resp := JSON(http.StatusCreated, holderOut(holder))
	resp.Headers = map[string]string{"location": "/holders/me"}
	return resp, nil
}

func (h accountsHandlers) myHolder(ctx context.Context, r *Request) (Response, error) {
	holder, err := h.svc.MyHolder(ctx, r.Caller)
	if err != nil {
		return Response{}, err
	}
	out := holderOut(holder)
	if out.EmailUndeliverable, err = markOf(ctx, h.undeliv, holder.Email); err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, out), nil
}

type contactUpdateJSON struct {
	Email             *string      `json:"email"`
	Phone             string       `json:"phone"`
	Address           *addressJSON `json:"address"`
	ListedInDirectory *bool        `json:"listedInDirectory"`
}

func (in contactUpdateJSON) domain() accounts.ContactUpdate {
	return accounts.ContactUpdate{Email: in.Email, Phone: in.Phone, Address: addressIn(in.Address), ListedInDirectory: in.ListedInDirectory}
}

func precheckContact(r *Request) []fault.Detail {
	var in contactUpdateJSON
	readLeniently(r, &in)
	return accounts.CheckContactUpdate(in.domain())
}

func (h accountsHandlers) updateContact(ctx context.Context, r *Request) (Response, error) {
	var in contactUpdateJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	holder, err := h.svc.UpdateContact(ctx, r.Caller, in.domain())
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, holderOut(holder)), nil
}

func (h accountsHandlers) holderRecord(ctx context.Context, r *Request) (Response, error) {
	holder, evs, err := h.svc.HolderRecord(ctx, r.Caller, r.Params["holderId"])
	if err != nil {
		return Response{}, err
	}
	out := holderRecordOut(holder, evs)
	if out.Holder.EmailUndeliverable, err = markOf(ctx, h.undeliv, holder.Email); err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, out), nil
}

func (h accountsHandlers) setCredentials(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Membership  string           `json:"membership"`
		Credentials []credentialJSON `json:"credentials"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	up := accounts.CredentialsUpdate{Membership: accounts.Membership(in.Membership)}
	for _, c := range in.Credentials {
		up.Credentials = append(up.Credentials, accounts.Credential(c))
	}
	holder, err := h.svc.SetCredentials(ctx, r.Caller, r.Params["holderId"], up)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, holderOut(holder)), nil
}

type newProviderJSON struct {
	Name        string      `json:"name"`
	ContactName string      `json:"contactName"`
	Email       string      `json:"email"`
	Phone       string      `json:"phone"`
	Address     addressJSON `json:"address"`
}

func (in newProviderJSON) domain() accounts.NewProvider {
	return accounts.NewProvider{Name: in.Name, ContactName: in.ContactName, Email: in.Email, Phone: in.Phone,
		Address: accounts.Address(in.Address)}
}

func precheckProvider(r *Request) []fault.Detail {
	var in newProviderJSON
	readLeniently(r, &in)
	return accounts.CheckNewProvider(in.domain())
}

func (h accountsHandlers) createProvider(ctx context.Context, r *Request) (Response, error) {
	var in newProviderJSON
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	p, err := h.svc.CreateProvider(ctx, r.Caller, in.domain())
	if err != nil {
		return Response{}, err
	}
	resp := JSON(http.StatusCreated, providerOut(p))
	resp.Headers = map[string]string{"location": "/providers/me"}
	return resp, nil
}

// me says who the caller is to the portal: their roles, from their token
// (staff, and groups the office assigned) and from their own records (a
// holder account, a registered organisation), so that the web forms offer
// what the API will allow.
func (h accountsHandlers) me(ctx context.Context, r *Request) (Response, error) {
	roles := []string{}
	for _, role := range []string{identity.RoleHolder, identity.RoleProvider, identity.RoleStaff} {
		has := r.Caller.Has(role)
		if !has {
			var err error
			if has, err = h.svc.HasRole(ctx, r.Caller.Sub, role); err != nil {
				return Response{}, err
			}
		}
		if has {
			roles = append(roles, role)
		}
	}
	return JSON(http.StatusOK, map[string]any{"sub": r.Caller.Sub, "email": r.Caller.Email, "roles": roles}), nil
}

func (h accountsHandlers) myProvider(ctx context.Context, r *Request) (Response, error) {
	p, err := h.svc.MyProvider(ctx, r.Caller)
	if err != nil {
		return Response{}, err
	}
	out := providerOut(p)
	if out.EmailUndeliverable, err = markOf(ctx, h.undeliv, p.Email); err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, out), nil
}

func (h accountsHandlers) directory(ctx context.Context, r *Request) (Response, error) {
	pg, err := directoryPageIn(r.Query)
	if err != nil {
		return Response{}, err
	}
	entries, next, err := h.svc.Directory(ctx, r.Caller, r.Query.Get("q"), pg)
	if err != nil {
		return Response{}, err
	}
	out := directoryPageJSON{Entries: make([]directoryEntryJSON, 0, len(entries)), NextCursor: next}
	lapsed := map[string]bool{}
	if h.lapses != nil && len(entries) > 0 {
		ids := make([]string, 0, len(entries))
		for _, e := range entries {
			ids = append(ids, e.HolderID)
		}
		if lapsed, err = h.lapses.LapsedAmong(ctx, ids); err != nil {
			return Response{}, err
		}
	}
	for _, e := range entries {
		x := directoryEntryOut(e)
		x.Lapsed = lapsed[e.HolderID]
		out.Entries = append(out.Entries, x)
	}
	return JSON(http.StatusOK, out), nil
}

// directoryPageIn reads limit (default 20, 1 to 100) and cursor. The
// operation's schema has checked them already; this is the same rule for
// the handler.
func directoryPageIn(q url.Values) (accounts.Page, error) {
	pg := accounts.Page{Limit: accounts.DirectoryPageDefault, Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > accounts.DirectoryPageMax {
			return accounts.Page{}, invalidFields(fault.Detail{Field: "limit", Code: "out_of_range",
				Message: fmt.Sprintf("must be a whole number from 1 to %d", accounts.DirectoryPageMax)})
		}
		pg.Limit = n
	}
	return pg, nil
}
