package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/identity"
)

// NewBadgesAPI is the handler of the badges-api Lambda: the association's
// Open Badges, their published key and status lists, and their check
// (docs/badges.md). The signing is svc's Sealer, which only badges-api
// links.
func NewBadgesAPI(svc *badges.Service, opts Options) (*API, error) {
	h := badgeHandlers{svc: svc}
	holder, staff := Roles(identity.RoleHolder), Roles(identity.RoleStaff)
	return newAPI([]Route{
		{Method: http.MethodGet, Path: "/holders/me/badges/programs/{programId}", Access: holder, Handle: h.program},
		{Method: http.MethodGet, Path: "/holders/me/badges/renewals/{year}", Access: holder, Handle: h.renewal},
		{Method: http.MethodGet, Path: "/holders/{holderId}/badges", Access: staff, Handle: h.ofHolder},
		{Method: http.MethodPost, Path: "/holders/{holderId}/badges/{kind}/{key}/revoke", Access: staff, Handle: h.revoke},
		{Method: http.MethodGet, Path: "/badges/issuer", Access: Public, Handle: h.issuer},
		{Method: http.MethodGet, Path: "/badges/keys", Access: Public, Handle: h.keys},
		{Method: http.MethodGet, Path: "/badges/keys/{kid}", Access: Public, Handle: h.key},
		{Method: http.MethodGet, Path: "/badges/status/{list}", Access: Public, Handle: h.statusList},
		{Method: http.MethodPost, Path: "/badges/verify", Access: Public, Handle: h.verify},
	}, opts)
}

type badgeHandlers struct{ svc *badges.Service }

// contentTypeVCJWT is a VC secured as a JWT (W3C VC-JOSE-COSE).
const contentTypeVCJWT = "application/vc+jwt"

// badgeResponse is a signed credential offered for saving as name.
func badgeResponse(token, name string) Response {
	return Response{Raw: []byte(token), ContentType: contentTypeVCJWT, Headers: map[string]string{
		"content-disposition": fmt.Sprintf("attachment; filename=%q", name)}}
}

// published is a public answer verifiers may keep for a while.
func published(r Response, maxAge time.Duration) Response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers["cache-control"] = fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds()))
	return r
}

func (h badgeHandlers) program(ctx context.Context, r *Request) (Response, error) {
	token, err := h.svc.Program(ctx, r.Caller, r.Params["programId"])
	if err != nil {
		return Response{}, err
	}
	return badgeResponse(token, fmt.Sprintf("badge-%s.jwt", r.Params["programId"])), nil
}

func (h badgeHandlers) renewal(ctx context.Context, r *Request) (Response, error) {
	year, err := yearParam(r)
	if err != nil {
		return Response{}, err
	}
	token, err := h.svc.Renewal(ctx, r.Caller, year)
	if err != nil {
		return Response{}, err
	}
	return badgeResponse(token, fmt.Sprintf("badge-renewal-%d.jwt", year)), nil
}

type badgeJSON struct {
	Kind         string     `json:"kind"`
	Key          string     `json:"key"`
	CredentialID string     `json:"credentialId"`
	List         int        `json:"list"`
	Index        int        `json:"index"`
	IssuedAt     time.Time  `json:"issuedAt"`
	Revoked      bool       `json:"revoked"`
	ByStaff      bool       `json:"byStaff,omitempty"`
	RevokedAt    *time.Time `json:"revokedAt,omitempty"`
	Reason       string     `json:"reason,omitempty"`
}

func badgeOut(iss badges.Issue) badgeJSON {
	out := badgeJSON{Kind: string(iss.Kind), Key: iss.Key, CredentialID: iss.ID, List: iss.List, Index: iss.Index, IssuedAt: iss.IssuedAt.UTC(),
		Revoked: iss.Revoked, ByStaff: iss.ByStaff, Reason: iss.Reason}
	if iss.Revoked {
		at := iss.RevokedAt.UTC()
		out.RevokedAt = &at
	}
	return out
}

func (h badgeHandlers) ofHolder(ctx context.Context, r *Request) (Response, error) {
	list, err := h.svc.HolderIssues(ctx, r.Caller, r.Params["holderId"])
	if err != nil {
		return Response{}, err
	}
	out := make([]badgeJSON, len(list))
	for i, iss := range list {
		out[i] = badgeOut(iss)
	}
	return JSON(http.StatusOK, map[string]any{"badges": out}), nil
}

func (h badgeHandlers) revoke(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	iss, err := h.svc.Revoke(ctx, r.Caller, r.Params["holderId"], badges.Kind(r.Params["kind"]), r.Params["key"], in.Reason)
	if err != nil {
		return Response{}, err
	}
	return JSON(http.StatusOK, badgeOut(iss)), nil
}

func (h badgeHandlers) issuer(context.Context, *Request) (Response, error) {
	return published(JSON(http.StatusOK, h.svc.Issuer.Profile()), time.Hour), nil
}

func (h badgeHandlers) keys(ctx context.Context, _ *Request) (Response, error) {
	raw, err := h.svc.Keys(ctx)
	if err != nil {
		return Response{}, err
	}
	return published(Response{Raw: raw, ContentType: contentTypeJSON}, time.Hour), nil
}

func (h badgeHandlers) key(ctx context.Context, r *Request) (Response, error) {
	raw, err := h.svc.Key(ctx, r.Params["kid"])
	if err != nil {
		return Response{}, err
	}
	return published(Response{Raw: raw, ContentType: contentTypeJSON}, time.Hour), nil
}

func (h badgeHandlers) statusList(ctx context.Context, r *Request) (Response, error) {
	n, err := strconv.Atoi(r.Params["list"])
	if err != nil || n < 1 || n > badges.MaxLists {
		return Response{}, fault.New(fault.Invalid, "invalid_request", "invalid path parameter",
			fault.Detail{Field: "list", Code: "invalid_value", Message: fmt.Sprintf("must be a status list number from 1 to %d", badges.MaxLists)})
	}
	token, err := h.svc.StatusList(ctx, n)
	if err != nil {
		return Response{}, err
	}
	// Five minutes: a revocation shows within them; the list stays valid
	// for a day, so a verifier that cannot reach the API still checks.
	return published(Response{Raw: []byte(token), ContentType: contentTypeVCJWT}, 5*time.Minute), nil
}

type badgeVerdictJSON struct {
	Result      string               `json:"result"`
	Summary     string               `json:"summary"`
	Name        string               `json:"name,omitempty"`
	Holder      string               `json:"holder,omitempty"`
	Achievement string               `json:"achievement,omitempty"`
	CECs        string               `json:"cecs,omitempty"`
	IssuedOn    string               `json:"issuedOn,omitempty"`
	Revoked     *badgeRevocationJSON `json:"revoked,omitempty"`
}

type badgeRevocationJSON struct {
	On     string `json:"on"`
	Reason string `json:"reason"`
}

func (h badgeHandlers) verify(ctx context.Context, r *Request) (Response, error) {
	var in struct {
		Credential string `json:"credential"`
	}
	if err := r.Decode(&in); err != nil {
		return Response{}, err
	}
	v, err := h.svc.Verify(ctx, in.Credential)
	if err != nil {
		return Response{}, err
	}
	out := badgeVerdictJSON{Result: v.Result, Summary: v.Summary, Name: v.Name, Holder: v.Holder, Achievement: v.Achievement, CECs: v.CECs, IssuedOn: v.IssuedOn}
	if v.Revoked != nil {
		out.Revoked = &badgeRevocationJSON{On: v.Revoked.On, Reason: v.Revoked.Reason}
	}
	return JSON(http.StatusOK, out), nil
}
