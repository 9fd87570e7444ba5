package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/httpapi/apispec"
	"github.com/cecportal/cecportal/internal/identity"
	"github.com/cecportal/cecportal/internal/localgw"
)

// The authorization matrix: every route of openapi.yaml, sent as every kind
// of caller, with the status each must get. TestLocalStack_Authz sends it to
// the real local stack; TestAuthzMatrix_CoversOpenAPI fails when a route of
// the contract has no row (or a row no route); docs/security.md shows the
// same table, kept equal by TestAuthzMatrix_Documented.

var updateDocs = flag.Bool("update-docs", false, "rewrite the authorization matrix in docs/security.md from authzMatrix")

// caller is one kind of caller of the matrix. "A" owns every resource the
// requests name; "B" is another person of the same kind.
type caller int

const (
	anon caller = iota
	expired
	holderA
	holderB
	providerA
	providerB
	staff
	nCallers
)

var callerNames = [nCallers]string{"no token", "expired token", "holder A", "holder B", "provider A", "provider B", "staff"}

// role is the Cognito group of a signed-in caller.
func (c caller) role() string {
	switch c {
	case holderA, holderB:
		return identity.RoleHolder
	case providerA, providerB:
		return identity.RoleProvider
	case staff:
		return identity.RoleStaff
	}
	return ""
}

// authzReq is what a row sends; the method is the route's.
type authzReq struct {
	path, ctype, body string
	header            map[string]string
}

// authzRow is one route of the matrix.
type authzRow struct {
	route string        // "METHOD /template", exactly as in openapi.yaml
	want  [nCallers]int // the status each caller gets, in callerNames order
	note  string        // what is sent, for docs/security.md
	send  func(f *authzFixture, who caller) authzReq
}

func statuses(s ...int) [nCallers]int {
	if len(s) != int(nCallers) {
		panic(fmt.Sprintf("%d statuses for %d callers", len(s), nCallers))
	}
	return [nCallers]int(s)
}

func at(p string) func(*authzFixture, caller) authzReq {
	return func(*authzFixture, caller) authzReq { return authzReq{path: p} }
}

func jsonReq(p, body string) authzReq {
	return authzReq{path: p, ctype: "application/json", body: body}
}

// authzMatrix runs in this order, and each caller in callerNames order: a
// row may depend on an earlier one, the staff decisions come near the end
// because they move A's program and submission on, and POST /providers and
// POST /holders come last because they give holders and staff the provider
// role, and providers and staff the holder role, from then on.
var authzMatrix = []authzRow{
	{"GET /health", statuses(200, 200, 200, 200, 200, 200, 200), "public", at("/health")},
	{"GET /calendar", statuses(200, 200, 200, 200, 200, 200, 200), "public; A's approved program did not opt in and is not listed", at("/calendar?from=2027-01-01T00:00:00Z")},
	{"POST /webhooks/payments", statuses(400, 400, 400, 400, 400, 400, 400), "an unsigned event: no token is looked at, only the payment provider's signature",
		func(*authzFixture, caller) authzReq {
			return jsonReq("/webhooks/payments", `{"id":"evt_matrix","object":"event","type":"checkout.session.completed","data":{"object":{}}}`)
		}},

	{"GET /holders/me", statuses(401, 401, 200, 200, 404, 404, 404), "each holder reads their own profile; anyone else has none (yet)", at("/holders/me")},
	{"PUT /holders/me/contact", statuses(401, 401, 200, 200, 403, 403, 403), "each holder updates their own contact",
		func(f *authzFixture, who caller) authzReq {
			if who == holderA { // A's own details again, so that later rows still find them
				return jsonReq("/holders/me/contact", f.holderAContact)
			}
			return jsonReq("/holders/me/contact", `{"phone":"+1 202 555 0110"}`)
		}},
	{"GET /holders/me/status", statuses(401, 401, 200, 200, 403, 403, 403), "renewal year 2028: each holder their own", at("/holders/me/status?year=2028")},
	{"GET /holders/me/transcript", statuses(401, 401, 200, 200, 403, 403, 403), "renewal year 2028: each holder their own", at("/holders/me/transcript?year=2028")},
	{"POST /holders/me/submissions", statuses(401, 401, 409, 422, 403, 403, 403), "year 2028: A has one open (`submission_open`), B holds no credential (`no_credentials`)",
		func(*authzFixture, caller) authzReq {
			return jsonReq("/holders/me/submissions", `{"year":2028,"activities":[{"kind":"association_course","title":"Leasing law","organisation":"Chapter 7",`+
				`"date":"2027-03-01","hours":3,"compliance":false,"documentation":{"type":"certificate_of_completion","reference":"cert-1"}}]}`)
		}},
	{"GET /holders/me/submissions", statuses(401, 401, 200, 200, 403, 403, 403), "each holder their own: A's one submission, none for B", at("/holders/me/submissions")},
	{"GET /holders/me/submissions/{submissionId}", statuses(401, 401, 200, 404, 403, 403, 403), "A's submission", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/me/submissions/" + f.submission}
	}},
	{"POST /holders/me/documents", statuses(401, 401, 201, 201, 403, 403, 403), "each holder starts a document of their own (a presigned upload)",
		func(*authzFixture, caller) authzReq {
			return jsonReq("/holders/me/documents", `{"name":"certificate.pdf","contentType":"application/pdf","size":1200}`)
		}},
	{"GET /holders/me/documents/{documentId}", statuses(401, 401, 200, 404, 403, 403, 403), "A's document", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/me/documents/" + f.document}
	}},
	{"POST /holders/me/documents/{documentId}/check", statuses(401, 401, 200, 404, 403, 403, 403), "A's document, already checked", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/me/documents/" + f.document + "/check"}
	}},
	{"DELETE /holders/me/documents/{documentId}", statuses(401, 401, 409, 204, 403, 403, 403), "A's document: attached to A's submission, it stays (`document_attached`); B has none of that ID, and deleting nothing is no error",
		func(f *authzFixture, _ caller) authzReq { return authzReq{path: "/holders/me/documents/" + f.document} }},
	{"GET /holders/{holderId}/documents/{documentId}", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's document", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA + "/documents/" + f.document}
	}},
	{"POST /holders/me/submissions/{submissionId}/documents", statuses(401, 401, 200, 404, 403, 403, 403), "A adds a checked file to A's submission in review; B has no such submission",
		func(f *authzFixture, _ caller) authzReq {
			return jsonReq("/holders/me/submissions/"+f.submission+"/documents", `{"activities":[{"index":1,"documents":["`+f.loose+`"]}]}`)
		}},
	{"GET /holders/me/renewals/{year}", statuses(401, 401, 200, 404, 403, 403, 403), "2027: A's invoice; B has none", at("/holders/me/renewals/2027")},
	{"POST /holders/me/renewals/{year}/checkout", statuses(401, 401, 200, 404, 403, 403, 403), "2027: A's invoice; B has none", at("/holders/me/renewals/2027/checkout")},
	{"GET /holders/me/certificates/{programId}", statuses(401, 401, 200, 404, 403, 403, 403), "the program credited to A; B has no credit of it", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/me/certificates/" + f.program}
	}},
	{"GET /holders/me/transcripts/{year}", statuses(401, 401, 200, 200, 403, 403, 403), "renewal year 2028: each holder their own", at("/holders/me/transcripts/2028")},
	{"GET /holders/me/badges/programs/{programId}", statuses(401, 401, 200, 404, 403, 403, 403), "the program credited to A (its Open Badge); B has no credit of it",
		func(f *authzFixture, _ caller) authzReq {
			return authzReq{path: "/holders/me/badges/programs/" + f.program}
		}},
	{"GET /holders/me/badges/renewals/{year}", statuses(401, 401, 409, 404, 403, 403, 403), "2027: A's renewal, not paid (`renewal_not_complete`); B has none", at("/holders/me/badges/renewals/2027")},
	{"GET /holders/{holderId}/badges", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's badges", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA + "/badges"}
	}},
	{"POST /holders/{holderId}/badges/{kind}/{key}/revoke", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's badge of the program credited to A",
		func(f *authzFixture, _ caller) authzReq {
			return jsonReq("/holders/"+f.holderA+"/badges/program/"+f.program+"/revoke", `{"reason":"issued in error"}`)
		}},
	{"GET /badges/issuer", statuses(200, 200, 200, 200, 200, 200, 200), "public", at("/badges/issuer")},
	{"GET /badges/keys", statuses(200, 200, 200, 200, 200, 200, 200), "public", at("/badges/keys")},
	{"GET /badges/keys/{kid}", statuses(200, 200, 200, 200, 200, 200, 200), "public; the badges' signing key", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/badges/keys/" + f.badgeKid}
	}},
	{"GET /badges/status/{list}", statuses(200, 200, 200, 200, 200, 200, 200), "public; status list 1", at("/badges/status/1")},
	{"POST /badges/verify", statuses(200, 200, 200, 200, 200, 200, 200), "public; a valid badge (another holder's renewal)",
		func(f *authzFixture, _ caller) authzReq {
			return jsonReq("/badges/verify", `{"credential":"`+f.badge+`"}`)
		}},
	{"GET /programs/{programId}/fee/receipt", statuses(401, 401, 403, 403, 200, 404, 200), "A's program in review, its fee paid; B has no such program",
		func(f *authzFixture, _ caller) authzReq {
			return authzReq{path: "/programs/" + f.inReview + "/fee/receipt"}
		}},
	{"GET /holders/me/renewals/{year}/invoice", statuses(401, 401, 200, 404, 403, 403, 403), "2027: A's invoice; B has none", at("/holders/me/renewals/2027/invoice")},
	{"GET /holders/me/renewals/{year}/receipt", statuses(401, 401, 409, 404, 403, 403, 403), "2027: A's invoice, not paid (`not_paid`); B has none", at("/holders/me/renewals/2027/receipt")},
	{"PUT /holders/{holderId}/credentials", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's credentials (unchanged: CAM, member)", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/holders/"+f.holderA+"/credentials", `{"membership":"member","credentials":[{"code":"CAM","earnedOn":"2020-06-01"}]}`)
	}},
	{"GET /holders/{holderId}", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's account and history", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA}
	}},
	{"GET /holders/{holderId}/status", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's renewal year 2028", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA + "/status?year=2028"}
	}},
	{"GET /holders/{holderId}/submissions", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's: the one submission", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA + "/submissions"}
	}},
	{"PUT /holders/{holderId}/renewals/{year}/lapse", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's 2027 invoice: not lapsed (set again: no change)", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/holders/"+f.holderA+"/renewals/2027/lapse", `{"waived":false,"reason":"Matrix: no change."}`)
	}},
	{"GET /holders/{holderId}/renewals", statuses(401, 401, 403, 403, 403, 403, 200), "holder A's: the 2027 invoice", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holders/" + f.holderA + "/renewals"}
	}},
	{"GET /directory", statuses(401, 401, 403, 403, 200, 200, 200), "holder A's ID: ID, name, credentials, membership only", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/directory?q=" + f.holderA}
	}},

	{"GET /providers/me", statuses(401, 401, 404, 404, 200, 200, 404), "each caller's own provider; holders and staff have none (yet)", at("/providers/me")},
	{"GET /me", statuses(401, 401, 200, 200, 200, 200, 200), "each caller's roles: the token's and their own records'", at("/me")},

	{"POST /programs", statuses(401, 401, 403, 403, 201, 201, 403), "a draft of the caller's own provider", func(*authzFixture, caller) authzReq {
		return jsonReq("/programs", `{"title":"Matrix draft"}`)
	}},
	{"GET /programs", statuses(401, 401, 403, 403, 200, 200, 403), "each provider lists only its own", at("/programs")},
	{"GET /programs/{programId}", statuses(401, 401, 403, 403, 200, 404, 200), "A's approved program", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.program}
	}},
	{"PUT /programs/{programId}", statuses(401, 401, 403, 403, 200, 404, 403), "A's draft", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/programs/"+f.draftEdit, programContent("Larkspur Clinic revised"))
	}},
	{"POST /programs/{programId}/submit", statuses(401, 401, 403, 403, 202, 404, 403), "A's complete draft", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.draftSubmit + "/submit"}
	}},
	{"POST /programs/{programId}/copy", statuses(401, 401, 403, 403, 201, 404, 403), "A's approved program", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.program + "/copy"}
	}},
	{"POST /programs/{programId}/checkout", statuses(401, 401, 403, 403, 200, 404, 403), "A's program with an open fee invoice", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.feeDue + "/checkout"}
	}},
	{"POST /programs/{programId}/attendance", statuses(401, 401, 403, 403, 200, 404, 403), "a dry run on A's approved program, naming holder A", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/programs/"+f.program+"/attendance?dryRun=true", fmt.Sprintf(
			`{"rows":[{"programId":%q,"holderId":%q,"firstName":"Zofia","lastName":"Wrzesniewska","completionDate":"2027-03-10"}]}`, f.program, f.holderA))
	}},
	{"GET /programs/{programId}/attendance", statuses(401, 401, 403, 403, 200, 404, 200), "A's approved program's uploads", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.program + "/attendance"}
	}},
	{"GET /programs/{programId}/attendance/{uploadId}", statuses(401, 401, 403, 403, 200, 404, 200), "A's upload", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.program + "/attendance/" + f.upload}
	}},
	{"POST /programs/{programId}/attendance/{uploadId}/corrections", statuses(401, 401, 403, 403, 201, 404, 201),
		"provider A removes holder A from A's upload; staff add holder A back", func(f *authzFixture, who caller) authzReq {
			body := fmt.Sprintf(`{"action":"remove","holderId":%q,"reason":"Matrix: not there."}`, f.holderA)
			if who == staff {
				body = fmt.Sprintf(`{"action":"add","holderId":%q,"firstName":"Zofia","lastName":"Wrzesniewska","completionDate":"2027-03-10","reason":"Matrix: there after all."}`, f.holderA)
			}
			return jsonReq("/programs/"+f.program+"/attendance/"+f.upload+"/corrections", body)
		}},
	{"GET /programs/{programId}/attendance/{uploadId}/corrections", statuses(401, 401, 403, 403, 200, 404, 200), "A's upload's corrections", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/programs/" + f.program + "/attendance/" + f.upload + "/corrections"}
	}},
	{"GET /review/corrections", statuses(401, 401, 403, 403, 403, 403, 200), "every correction (A's upload's)", at("/review/corrections")},
	{"GET /undeliverable-emails", statuses(401, 401, 403, 403, 403, 403, 200), "every undeliverable address", at("/undeliverable-emails")},
	{"POST /undeliverable-emails/resume", statuses(401, 401, 404, 404, 404, 404, 200),
		"the bounced address of a holder who is none of the callers: only staff may resume it (its owner may too: TestLocalStack_UndeliverableMail)",
		func(f *authzFixture, _ caller) authzReq {
			return jsonReq("/undeliverable-emails/resume", `{"email":"`+f.bounced+`"}`)
		}},
	// The fixture paid it: A reaches the handler, which finds nothing to
	// pay (the cost is of the fixture's checkout).
	{"POST /programs/{programId}/attendance/{uploadId}/checkout", statuses(401, 401, 403, 403, 409, 404, 403), "A's report of a guest, whose filing fee the fixture paid",
		func(f *authzFixture, _ caller) authzReq {
			return authzReq{path: "/programs/" + f.program + "/attendance/" + f.feeUpload + "/checkout"}
		}},
	{"GET /programs/{programId}/attendance/{uploadId}/receipt", statuses(401, 401, 403, 403, 200, 404, 200), "the receipt of the filing fee the fixture paid",
		func(f *authzFixture, _ caller) authzReq {
			return authzReq{path: "/programs/" + f.program + "/attendance/" + f.feeUpload + "/receipt"}
		}},
	{"GET /review/filing-fees", statuses(401, 401, 403, 403, 403, 403, 200), "every unpaid filing fee", at("/review/filing-fees")},
	{"GET /providers/me/filing-fees", statuses(401, 401, 403, 403, 200, 200, 403), "the caller's organisation's unpaid filing fees", at("/providers/me/filing-fees")},
	{"POST /holder-imports", statuses(401, 401, 403, 403, 403, 403, 200), "a dry run of a list of one holder", func(*authzFixture, caller) authzReq {
		return authzReq{path: "/holder-imports?dryRun=true", ctype: "text/csv", body: importList}
	}},
	{"GET /holder-imports", statuses(401, 401, 403, 403, 403, 403, 200), "every import (the fixture's)", at("/holder-imports")},
	{"GET /holder-imports/{importId}", statuses(401, 401, 403, 403, 403, 403, 200), "the fixture's import", func(f *authzFixture, _ caller) authzReq {
		return authzReq{path: "/holder-imports/" + f.importID}
	}},

	{"GET /review/programs", statuses(401, 401, 403, 403, 403, 403, 200), "the staff queue (holds A's paid program)", at("/review/programs")},
	{"GET /payments", statuses(401, 401, 403, 403, 403, 403, 200), "the payments ledger of the first quarter of 2027", at("/payments?from=2027-01-01&to=2027-03-31")},
	{"GET /payments/totals", statuses(401, 401, 403, 403, 403, 403, 200), "the ledger's totals of the same range", at("/payments/totals?from=2027-01-01&to=2027-03-31")},
	{"GET /review/payment-issues", statuses(401, 401, 403, 403, 403, 403, 200), "staff's queue of refunds and mismatches", at("/review/payment-issues")},
	{"GET /dashboard", statuses(401, 401, 403, 403, 403, 403, 200), "the office's figures", at("/dashboard")},
	{"GET /emails", statuses(401, 401, 403, 403, 403, 403, 200), "staff's list of the emails the system sends", at("/emails")},
	{"GET /emails/{name}", statuses(401, 401, 403, 403, 403, 403, 200), "staff's preview of the renewal reminder, with sample data", at("/emails/reminder_renewal_due")},
	{"GET /holders/me/email-preferences", statuses(401, 401, 200, 200, 403, 403, 403), "each holder's own reminders", at("/holders/me/email-preferences")},
	{"PUT /holders/me/email-preferences", statuses(401, 401, 200, 200, 403, 403, 403), "each holder's own: every reminder on",
		func(*authzFixture, caller) authzReq { return jsonReq("/holders/me/email-preferences", `{"off":[]}`) }},
	{"GET /providers/me/email-preferences", statuses(401, 401, 403, 403, 200, 200, 403), "each provider's own reminders", at("/providers/me/email-preferences")},
	{"PUT /providers/me/email-preferences", statuses(401, 401, 403, 403, 200, 200, 403), "each provider's own: every reminder on",
		func(*authzFixture, caller) authzReq { return jsonReq("/providers/me/email-preferences", `{"off":[]}`) }},
	{"GET /unsubscribe/{token}", statuses(200, 200, 200, 200, 200, 200, 200), "public: the signed link of holder A's renewal reminders says which reminder it stops",
		func(f *authzFixture, _ caller) authzReq { return authzReq{path: "/unsubscribe/" + f.unsubscribe} }},
	{"POST /unsubscribe/{token}", statuses(200, 200, 200, 200, 200, 200, 200), "public: a mail client's one click on that link stops them (again: no change)",
		func(f *authzFixture, _ caller) authzReq {
			return authzReq{path: "/unsubscribe/" + f.unsubscribe, ctype: "application/x-www-form-urlencoded", body: "List-Unsubscribe=One-Click"}
		}},
	{"POST /review/payment-issues/{issueId}/notes", statuses(401, 401, 403, 403, 403, 403, 200), "a note resolving holder C's mismatch",
		func(f *authzFixture, _ caller) authzReq {
			return jsonReq("/review/payment-issues/"+f.paymentIssue+"/notes", `{"note":"Refunded the short payment.","resolved":true}`)
		}},
	{"GET /review/submissions", statuses(401, 401, 403, 403, 403, 403, 200), "the staff queue (holds A's submission)", at("/review/submissions")},
	{"POST /programs/{programId}/decision", statuses(401, 401, 403, 403, 403, 403, 200), "approve A's program in review", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/programs/"+f.inReview+"/decision", `{"decision":"approve"}`)
	}},
	{"POST /submissions/{submissionId}/decision", statuses(401, 401, 403, 403, 403, 403, 200), "approve A's submission in review", func(f *authzFixture, _ caller) authzReq {
		return jsonReq("/submissions/"+f.submission+"/decision", `{"decision":"approve"}`)
	}},
	// Last: each makes its caller a provider or a holder from then on (a
	// person's own records give them the role, docs/security.md#roles),
	// so every row above sees the roles of the tokens alone.
	{"POST /providers", statuses(401, 401, 201, 201, 409, 409, 201), "any signed-in person registers their organisation once; from then on they are a provider", func(_ *authzFixture, who caller) authzReq {
		return jsonReq("/providers", fmt.Sprintf(`{"name":"Matrix Org %d","contactName":"Matrix Person","email":"org%d@matrix.example",`+
			`"phone":"+1 202 555 0100","address":{"line1":"1 Matrix Way","city":"Boston","country":"US"}}`, who, who))
	}},
	{"POST /holders", statuses(401, 401, 409, 409, 201, 201, 201), "any signed-in person creates their holder account once; from then on they are a holder", func(_ *authzFixture, who caller) authzReq {
		return jsonReq("/holders", fmt.Sprintf(`{"firstName":"Matrix","lastName":"Caller","email":"caller%d@matrix.example"}`, who))
	}},
}

// unknownRoutes are what API Gateway answers 404 itself, before any
// authorizer: paths the contract lacks, and methods a documented path lacks.
var unknownRoutes = []struct{ method, path string }{
	{"GET", "/nowhere"},
	{"GET", "/admin"},
	{"GET", "/holders"},
	{"DELETE", "/holders/me"},
	{"PATCH", "/holders/me/contact"},
	{"DELETE", "/holders/{holderA}"},
	{"GET", "/holders/{holderA}/credentials"},
	{"DELETE", "/programs/{program}"},
	{"PATCH", "/programs/{program}"},
	{"DELETE", "/programs/{program}/attendance"},
	{"GET", "/submissions/{submission}"},
	{"GET", "/webhooks/payments"},
	{"POST", "/health"},
	{"PUT", "/calendar"},
	{"OPTIONS", "/holders/me"}, // not a preflight: no Access-Control-Request-Method
}

// Marker classes: strings that belong to one owner, and who may see them.
type markerClass int

const (
	holderAPublic     markerClass = iota // ID and name: the directory shows them to providers and staff
	holderAPrivate                       // contact, submission, invoice
	holderBPublic                        //
	holderBPrivate                       //
	providerAPublic                      // ID and name: a holder credited by its program sees them
	providerAPrivate                     // contact, unapproved programs, upload
	providerACredited                    // the approved program that credited holder A
	providerBPublic                      //
	providerBPrivate                     //
)

var markerNames = map[markerClass]string{holderAPublic: "holder A's ID or name", holderAPrivate: "holder A's private data",
	holderBPublic: "holder B's ID or name", holderBPrivate: "holder B's private data", providerAPublic: "provider A's ID or name",
	providerAPrivate: "provider A's private data", providerACredited: "provider A's credited program",
	providerBPublic: "provider B's ID or name", providerBPrivate: "provider B's private data"}

// mayRead lists the marker classes each caller may find in an answer;
// staff may read everything.
var mayRead = [nCallers][]markerClass{
	holderA:   {holderAPublic, holderAPrivate, providerAPublic, providerACredited},
	holderB:   {holderBPublic, holderBPrivate},
	providerA: {providerAPublic, providerAPrivate, providerACredited, holderAPublic},
	providerB: {providerBPublic, providerBPrivate, holderAPublic},
}

// authzFixture holds the resources A owns and everyone's tokens.
type authzFixture struct {
	tokens                                  [nCallers]string
	holderA, holderB, providerA, providerB  string
	holderAContact                          string // JSON of PUT /holders/me/contact that keeps A's details
	program, draftEdit, draftSubmit, feeDue string // provider A's
	inReview, upload, submission            string
	document                                string // A's, ready and attached to A's submission
	loose                                   string // A's, ready and attached to nothing: A adds it to the submission
	feeUpload                               string // A's report of another holder, a guest: it owed a filing fee, paid
	importID                                string // staff's import of importList
	programB                                string // provider B's draft
	bounced                                 string // the address of a holder none of the callers is; its welcome bounced
	badgeKid                                string // the thumbprint of the badges' signing key
	badge                                   string // holder C's badge of a completed renewal, valid
	paymentIssue                            string // holder C's renewal paid $1 short first: a mismatch in staff's queue
	unsubscribe                             string // the token of holder A's renewal reminders' unsubscribe link
	markers                                 map[string]markerClass
}

const webOrigin = "https://forms.example.org"

// TestLocalStack_Authz sends every row of authzMatrix as every caller to
// the local stack, with real resources A created, and checks each status,
// the SPEC §6 error shape, that no answer carries data its caller may not
// read, and that CORS headers come from the gateway for the forms' origin.
func TestLocalStack_Authz(t *testing.T) {
	checkMatrixCoversOpenAPI(t)
	st := startStack(t, map[string]string{"CORS_ALLOW_ORIGINS": webOrigin, "POLICY_FILE": chargingPolicy(t)})
	c := &client{t: t, base: st.URL}
	f := newAuthzFixture(t, c, st)

	for _, row := range authzMatrix {
		method, _, _ := strings.Cut(row.route, " ")
		t.Run(row.route, func(t *testing.T) {
			c := &client{t: t, base: st.URL}
			for who := range nCallers {
				req := row.send(f, who)
				status, h, body := c.send(method, req, f.tokens[who], map[string]string{"Origin": webOrigin})
				where := fmt.Sprintf("%s %s as %s", method, req.path, callerNames[who])
				if status != row.want[who] {
					t.Errorf("%s: status %d, want %d: %s", where, status, row.want[who], clip(body))
				}
				if status >= 400 {
					checkErrorShape(t, where, h, body)
				}
				if got := h.Get("Access-Control-Allow-Origin"); got != webOrigin {
					t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", where, got, webOrigin)
				}
				f.checkLeaks(t, where, who, req, h, body)
			}
		})
	}

	// After the last rows every holder is also a provider (their own
	// organisation) and every provider a holder (their own account): the
	// roles their records give them reach their own records only.
	t.Run("DerivedRolesReachOnlyTheirOwn", func(t *testing.T) {
		c := &client{t: t, base: st.URL}
		for _, tc := range []struct {
			who            caller
			method, path   string
			status         int
			mustNotContain string
		}{
			{holderA, "GET", "/programs/" + f.program, 404, ""}, // provider A's program
			{holderA, "GET", "/programs", 200, f.program},
			{holderB, "GET", "/programs/" + f.programB, 404, ""},
			{holderA, "GET", "/review/programs", 403, ""}, // staff is never derived
			{holderA, "GET", "/holders/" + f.holderB, 403, ""},
			{providerA, "GET", "/holders/me", 200, f.holderA},
			{providerB, "GET", "/holders/me/status?year=2028", 200, f.holderA},
			{providerA, "GET", "/holders/" + f.holderA, 403, ""},
		} {
			status, h, body := c.send(tc.method, authzReq{path: tc.path}, f.tokens[tc.who], nil)
			where := fmt.Sprintf("%s %s as %s (a derived role)", tc.method, tc.path, callerNames[tc.who])
			if status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", where, status, tc.status, clip(body))
			}
			if status >= 400 {
				checkErrorShape(t, where, h, body)
			}
			if tc.mustNotContain != "" && strings.Contains(string(body), tc.mustNotContain) {
				t.Errorf("%s: the answer carries %s: %s", where, tc.mustNotContain, clip(body))
			}
		}
	})

	t.Run("UnknownRoutes", func(t *testing.T) {
		c := &client{t: t, base: st.URL}
		r := strings.NewReplacer("{holderA}", f.holderA, "{program}", f.program, "{submission}", f.submission)
		for _, u := range unknownRoutes {
			for _, who := range []caller{anon, expired, holderA, providerA, staff} {
				p := r.Replace(u.path)
				status, h, body := c.send(u.method, authzReq{path: p}, f.tokens[who], nil)
				where := fmt.Sprintf("%s %s as %s", u.method, p, callerNames[who])
				if status != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404: %s", where, status, clip(body))
					continue
				}
				if code := checkErrorShape(t, where, h, body); code != "route_not_found" {
					t.Errorf("%s: code %q, want route_not_found", where, code)
				}
			}
		}
	})

	// A resource of A's named beside one of B's own: the pair must not let
	// B through. And a webhook event signed, but not by the payment provider.
	t.Run("CrossedIDsAndForgedSignature", func(t *testing.T) {
		c := &client{t: t, base: st.URL}
		req := authzReq{path: "/programs/" + f.programB + "/attendance/" + f.upload}
		status, h, body := c.send("GET", req, f.tokens[providerB], nil)
		where := "GET " + req.path + " as provider B"
		if code := checkErrorShape(t, where, h, body); status != http.StatusNotFound || code != "upload_not_found" {
			t.Errorf("%s: %d %s, want 404 upload_not_found", where, status, code)
		}
		f.checkLeaks(t, where, providerB, req, h, body)

		event := `{"id":"evt_forged","object":"event","type":"checkout.session.completed","data":{"object":{}}}`
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte("whsec_not_the_endpoint_secret"))
		mac.Write([]byte(ts + "." + event))
		req = authzReq{path: "/webhooks/payments", ctype: "application/json", body: event,
			header: map[string]string{"Stripe-Signature": "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))}}
		status, h, body = c.send("POST", req, "", nil)
		if code := checkErrorShape(t, "forged webhook", h, body); status != http.StatusBadRequest || code != "invalid_signature" {
			t.Errorf("forged webhook: %d %s, want 400 invalid_signature", status, code)
		}
	})

	t.Run("CORS", func(t *testing.T) {
		c := &client{t: t, base: st.URL}
		preflight := map[string]string{"Origin": webOrigin, "Access-Control-Request-Method": "PUT",
			"Access-Control-Request-Headers": "authorization,content-type"}
		status, h, _ := c.send("OPTIONS", authzReq{path: "/holders/me/contact"}, "", preflight)
		if status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != webOrigin ||
			h.Get("Access-Control-Allow-Methods") != "GET,POST,PUT,DELETE" || h.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type" ||
			h.Get("Access-Control-Max-Age") != "3600" {
			t.Errorf("preflight from the forms: %d %v", status, h)
		}
		preflight["Origin"] = "https://evil.example"
		status, h, _ = c.send("OPTIONS", authzReq{path: "/holders/me/contact"}, "", preflight)
		if status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "" || h.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight from another origin: %d %v", status, h)
		}
		status, h, _ = c.send("GET", authzReq{path: "/holders/me"}, f.tokens[holderA], map[string]string{"Origin": "https://evil.example"})
		if status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET from another origin: %d, Access-Control-Allow-Origin %q", status, h.Get("Access-Control-Allow-Origin"))
		}
	})
}

// importList is a list of one holder that staff import.
const importList = "Member Number,First Name,Last Name,Email,Membership,Credentials\nA-7001,Ysolde,Quarrington,ysolde@example.com,member,CAM 2019-05-01\n"

// chargingPolicy is the default policy with a filing fee from 2027 on
// (none for a member, $9.00 a guest), so that the fixture's report of a
// guest owes one, and with no documentation audit: a file in the test's
// directory, for POLICY_FILE.
func chargingPolicy(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const last = "    - from: \"2021-09-01\"\n      memberCents: 0\n      guestCents: 0\n"
	if !bytes.Contains(b, []byte(last)) {
		t.Fatal("policy/default.yaml's filing fee schedule does not end as this test expects")
	}
	b = bytes.Replace(b, []byte(last), []byte(last+"    - from: \"2027-01-01\"\n      memberCents: 0\n      guestCents: 900\n"), 1)
	// No submission is picked for the audit: which one would be depends on
	// its random ID, and an audit's marker adds writes (docs/performance.md
	// counts the common case).
	const rate = "  auditRatePercent: 10\n"
	if !bytes.Contains(b, []byte(rate)) {
		t.Fatal("policy/default.yaml's audit rate is not as this test expects")
	}
	b = bytes.Replace(b, []byte(rate), []byte("  auditRatePercent: 0\n"), 1)
	path := filepath.Join(t.TempDir(), "charging.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newAuthzFixture creates, over HTTP, everything A owns: holder A with CAM
// and the 2027 renewal invoice (issued 1 November 2026), provider A with an
// approved program that credited holder A, a draft, a complete draft, a
// program with an open fee and a paid one in review, an attendance upload,
// and holder A's CEC submission for 2028 in review; and B's accounts.
func newAuthzFixture(t *testing.T, c *client, st *running) *authzFixture {
	t.Helper()
	f := &authzFixture{markers: map[string]markerClass{}}
	subs := [nCallers]string{holderA: "sub-zofia", holderB: "sub-bjorn", providerA: "sub-quill", providerB: "sub-otter", staff: "sub-staff"}
	emails := [nCallers]string{holderA: "zofia.wrzesniewska@example.com", holderB: "bjorn.brandvold@example.com",
		providerA: "desk@quillfeather.example", providerB: "desk@otterbrook.example", staff: "office@example.org"}
	for who := holderA; who < nCallers; who++ {
		f.tokens[who] = c.token(subs[who], who.role(), emails[who])
	}
	// Holder A's own token, valid in every way but expired an hour ago.
	old := localgw.NewSigner(c.key(st))
	old.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	tok, err := old.Sign(subs[holderA], emails[holderA], []string{identity.RoleHolder}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens[expired] = tok
	id := func(m map[string]any, key string) string { return fmt.Sprint(m[key]) }

	// 2 November 2026: the 2027 invoices are out, so staff's recording of
	// A's credentials issues A's (through the renewals queue, at once).
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2026-11-02T09:00:00-05:00"}, 200, nil)
	contact := map[string]any{"phone": "+1 703 555 0142", "address": map[string]any{"line1": "17 Quillon Lane", "city": "Arlington", "region": "VA", "country": "US"}}
	b, _ := json.Marshal(contact)
	f.holderAContact = string(b)
	var h map[string]any
	c.do("POST", "/holders", f.tokens[holderA], map[string]any{"firstName": "Zofia", "lastName": "Wrzesniewska", "email": emails[holderA], "contact": contact}, 201, &h)
	f.holderA = id(h, "holderId")
	if f.unsubscribe, err = st.UnsubscribeToken(t.Context(), "holder", f.holderA, "renewal_due"); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/holders", f.tokens[holderB], map[string]any{"firstName": "Bjorn", "lastName": "Brandvold", "email": emails[holderB]}, 201, &h)
	f.holderB = id(h, "holderId")
	c.do("PUT", "/holders/"+f.holderA+"/credentials", f.tokens[staff], map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.waitForRenewal(f.tokens[holderA], 2027)
	// Holder C, no caller of the matrix, pays the 2027 renewal and takes its
	// receipt: the fixture's 2xx of the receipt (A's stays unpaid).
	cTok := c.token("sub-cyra", identity.RoleHolder, "cyra.receipt@example.com")
	c.do("POST", "/holders", cTok, map[string]any{"firstName": "Cyra", "lastName": "Receipt", "email": "cyra.receipt@example.com"}, 201, &h)
	c.do("PUT", "/holders/"+id(h, "holderId")+"/credentials", f.tokens[staff], map[string]any{"membership": "member",
		"credentials": []any{map[string]any{"code": "CAM", "earnedOn": "2020-06-01"}}}, 200, nil)
	c.waitForRenewal(cTok, 2027)
	var cco map[string]any
	c.do("POST", "/holders/me/renewals/2027/checkout", cTok, nil, 200, &cco)
	// First $1 short: a mismatch in staff's queue of payment issues.
	var short map[string]any
	c.do("POST", "/dev/payments/"+id(cco, "reference")+"/succeed", "", map[string]any{"amountCents": 12400, "currency": "USD"}, 200, &short)
	f.paymentIssue = id(short, "eventId")
	c.do("POST", "/dev/payments/"+id(cco, "reference")+"/succeed", "", nil, 200, nil)
	c.download("/holders/me/renewals/2027/receipt", cTok, "application/pdf")

	var p map[string]any
	c.do("POST", "/providers", f.tokens[providerA], map[string]any{"name": "Quillfeather Learning", "contactName": "Marguerite Oakhaven",
		"email": emails[providerA], "phone": "+1 202 555 0187", "address": map[string]any{"line1": "9 Larkspur Ct", "city": "Washington", "country": "US"}}, 201, &p)
	f.providerA = id(p, "providerId")
	c.do("POST", "/providers", f.tokens[providerB], map[string]any{"name": "Otterbrook Seminars", "contactName": "Oz Otto",
		"email": emails[providerB], "phone": "+1 617 555 0123", "address": map[string]any{"line1": "1 A St", "city": "Boston", "country": "US"}}, 201, &p)
	f.providerB = id(p, "providerId")
	c.doRaw("POST", "/programs", f.tokens[providerB], "application/json", programContent("Otterbrook Intro"), 201, &p)
	f.programB = id(p, "programId")

	// 5 January 2027: provider A's programs.
	f.program = approvedProgram(t, c, f.tokens[providerA], f.tokens[staff], 3)
	draft := func(title string) string {
		var p map[string]any
		c.doRaw("POST", "/programs", f.tokens[providerA], "application/json", programContent(title), 201, &p)
		return id(p, "programId")
	}
	f.draftEdit = draft("Larkspur Clinic")
	f.draftSubmit = draft("Heronsgate Forum")
	f.feeDue = draft("Wimbourne Seminar")
	f.inReview = draft("Castlemoor Webinar")
	for _, prog := range []string{f.feeDue, f.inReview} {
		c.do("POST", "/programs/"+prog+"/submit", f.tokens[providerA], nil, 202, nil)
		c.waitForStatus(f.tokens[providerA], prog, "fee_due")
	}
	var co map[string]any
	c.do("POST", "/programs/"+f.inReview+"/checkout", f.tokens[providerA], nil, 200, &co)
	c.do("POST", "/dev/payments/"+id(co, "reference")+"/succeed", "", nil, 200, nil)
	c.waitForStatus(f.tokens[providerA], f.inReview, "in_review")

	// Staff import a holder.
	var im map[string]any
	c.doRaw("POST", "/holder-imports", f.tokens[staff], "text/csv", importList, 202, &im)
	f.importID = id(im, "importId")
	for deadline := time.Now().Add(15 * time.Second); im["status"] != "done"; c.waitALittle() {
		if time.Now().After(deadline) {
			t.Fatalf("import is %v after 15 s", im["status"])
		}
		c.do("GET", "/holder-imports/"+f.importID, f.tokens[staff], nil, 200, &im)
	}

	// 12 March 2027, two days after the approved program: A reports holder
	// A's attendance, and holder A submits the rest of 2028's CECs.
	c.do("PUT", "/dev/clock", "", map[string]any{"now": "2027-03-12T09:00:00-05:00"}, 200, nil)
	roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + f.program + "," + f.holderA + ",Zofia,Wrzesniewska,2027-03-10\n"
	var acc map[string]any
	c.doRaw("POST", "/programs/"+f.program+"/attendance", f.tokens[providerA], "text/csv", roster, 202, &acc)
	f.upload = id(acc, "uploadId")
	if got := verdictsOf(c.waitForUpload(f.tokens[providerA], f.program, f.upload)); got != "2:ok" {
		t.Fatalf("upload %s", got)
	}
	// Another holder, a guest, none of the matrix's callers: the filing fee
	// of reporting them is $9.00, and their credit is issued once it is paid.
	var guest map[string]any
	c.do("POST", "/holders", c.token("sub-cassia", "holder", "cassia.thornbury@example.com"),
		map[string]any{"firstName": "Cassia", "lastName": "Thornbury", "email": "cassia.thornbury@example.com"}, 201, &guest)
	roster = "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + f.program + "," + id(guest, "holderId") + ",Cassia,Thornbury,2027-03-10\n"
	c.doRaw("POST", "/programs/"+f.program+"/attendance", f.tokens[providerA], "text/csv", roster, 202, &acc)
	f.feeUpload = id(acc, "uploadId")
	up := c.waitForUpload(f.tokens[providerA], f.program, f.feeUpload)
	if fee, _ := up["filingFeeInvoice"].(map[string]any); fee == nil || fee["amountCents"] != float64(900) || fee["status"] != "open" {
		t.Fatalf("filing fee %v", up["filingFeeInvoice"])
	}
	c.do("POST", "/programs/"+f.program+"/attendance/"+f.feeUpload+"/checkout", f.tokens[providerA], nil, 200, &co)
	var paid map[string]any
	c.do("POST", "/dev/payments/"+id(co, "reference")+"/succeed", "", nil, 200, &paid)
	if paid["credited"] != true {
		t.Fatalf("filing fee paid: %v", paid)
	}
	filingReceipt := c.download("/programs/"+f.program+"/attendance/"+f.feeUpload+"/receipt", f.tokens[providerA], "application/pdf")
	for _, part := range []string{"%PDF-", "1 guest at 9.00 USD each", id(co, "reference")} {
		if !strings.Contains(filingReceipt, part) {
			t.Fatalf("the filing fee's receipt lacks %q", part)
		}
	}
	activity := func(kind string, hours int) map[string]any {
		return map[string]any{"kind": kind, "title": "Leasing law", "organisation": "Chapter 7", "date": "2027-03-01", "hours": hours,
			"compliance": false, "documentation": map[string]any{"type": "certificate_of_completion", "reference": "cert-42"}}
	}
	f.document = attach(t, c, f.tokens[holderA], "certificate.pdf", "application/pdf", []byte("%PDF-1.7\nmatrix"), 200).DocumentID
	// One attached by mistake and removed: the fixture's 2xx of the removal
	// (the matrix's own is refused: A's document is attached).
	f.loose = attach(t, c, f.tokens[holderA], "loose.pdf", "application/pdf", []byte("%PDF-1.7\nloose"), 200).DocumentID
	spare := attach(t, c, f.tokens[holderA], "spare.pdf", "application/pdf", []byte("%PDF-1.7\nspare"), 200).DocumentID
	c.do("DELETE", "/holders/me/documents/"+spare, f.tokens[holderA], nil, 204, nil)
	withDocument := activity("association_course", 2)
	withDocument["documents"] = []string{f.document}
	var sub map[string]any
	c.do("POST", "/holders/me/submissions", f.tokens[holderA], map[string]any{"year": 2028,
		"activities": []any{withDocument, activity("college_course", 1)}}, 201, &sub)
	f.submission = id(sub, "submissionId")
	for deadline := time.Now().Add(15 * time.Second); sub["status"] != "in_review"; c.waitALittle() {
		if time.Now().After(deadline) {
			t.Fatalf("submission is %v after 15 s", sub["status"])
		}
		c.do("GET", "/holders/me/submissions/"+f.submission, f.tokens[holderA], nil, 200, &sub)
	}
	// Cyra's 2026 CECs, approved, complete her 2027 renewal: the fixture's
	// 2xx of its badge (A's renewal stays incomplete). After A's submission,
	// whose cost is the submission's in docs/performance.md.
	var csub map[string]any
	c.do("POST", "/holders/me/submissions", cTok, map[string]any{"year": 2027, "activities": []any{map[string]any{
		"kind": "association_course", "title": "Fair housing", "organisation": "Chapter 7", "date": "2026-05-01", "hours": 6,
		"compliance": true, "documentation": map[string]any{"type": "certificate_of_completion", "reference": "cert-7"}}}}, 201, &csub)
	for deadline := time.Now().Add(15 * time.Second); csub["status"] != "in_review"; c.waitALittle() {
		if time.Now().After(deadline) {
			t.Fatalf("Cyra's submission is %v after 15 s", csub["status"])
		}
		c.do("GET", "/holders/me/submissions/"+id(csub, "submissionId"), cTok, nil, 200, &csub)
	}
	c.do("POST", "/submissions/"+id(csub, "submissionId")+"/decision", f.tokens[staff], map[string]any{"decision": "approve"}, 200, nil)
	f.badge = c.download("/holders/me/badges/renewals/2027", cTok, "application/vc+jwt")
	// The badges' key, as GET /badges/keys publishes it.
	var keys struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(c.public("/badges/keys"), &keys); err != nil || len(keys.Keys) != 1 {
		t.Fatalf("the badges' key set: %+v, %v", keys, err)
	}
	f.badgeKid = keys.Keys[0].Kid[strings.LastIndex(keys.Keys[0].Kid, "/")+1:]

	// A holder whose welcome bounced (SES's simulator address).
	f.bounced = "bounce+matrix@simulator.amazonses.com"
	c.do("POST", "/holders", c.token("sub-bounced", "", f.bounced), map[string]any{"firstName": "Bea", "lastName": "Bounce", "email": f.bounced}, 201, nil)
	for deadline := time.Now().Add(15 * time.Second); ; c.waitALittle() {
		var list struct{ Addresses []struct{ Email string } }
		c.do("GET", "/undeliverable-emails", f.tokens[staff], nil, 200, &list)
		if len(list.Addresses) > 0 && list.Addresses[0].Email == f.bounced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bounce did not mark the address within 15 s")
		}
	}

	for class, values := range map[markerClass][]string{
		holderAPublic:     {f.holderA, "Zofia", "Wrzesniewska"},
		holderAPrivate:    {emails[holderA], "555 0142", "Quillon", f.submission, "REN-" + f.holderA},
		holderBPublic:     {f.holderB, "Brandvold"},
		holderBPrivate:    {emails[holderB]},
		providerAPublic:   {f.providerA, "Quillfeather"},
		providerAPrivate:  {emails[providerA], "Oakhaven", "555 0187", "Larkspur", "Heronsgate", "Wimbourne", "Castlemoor", f.draftEdit, f.draftSubmit, f.feeDue, f.inReview, f.upload},
		providerACredited: {f.program},
		providerBPublic:   {f.providerB, "Otterbrook"},
		providerBPrivate:  {emails[providerB], "555 0123", f.programB},
	} {
		for _, v := range values {
			f.markers[v] = class
		}
	}
	return f
}

// programContent is a complete application of 2 CECs held on 20 April 2027.
func programContent(title string) string {
	return fmt.Sprintf(`{"title":%q,"description":"d","format":"in_person","startsAt":"2027-04-20T09:00:00-05:00",`+
		`"endsAt":"2027-04-20T11:00:00-05:00","timeZone":"America/Chicago","location":"Chicago","contactHours":2,`+
		`"objectives":["o"],"instructors":["i"],"compliance":false}`, title)
}

// checkLeaks fails when an answer to who carries a marker who may not read.
// A marker the request itself carries (an ID in the path) is no leak.
func (f *authzFixture) checkLeaks(t *testing.T, where string, who caller, req authzReq, h http.Header, body []byte) {
	t.Helper()
	if who == staff {
		return
	}
	answer := string(body) + "\n" + h.Get("Location")
	for m, class := range f.markers {
		if slices.Contains(mayRead[who], class) || strings.Contains(req.path+req.body, m) {
			continue
		}
		if strings.Contains(answer, m) {
			t.Errorf("%s: the answer carries %s (%q): %s", where, markerNames[class], m, clip(body))
		}
	}
}

// checkErrorShape checks SPEC §6's error body and returns its code.
func checkErrorShape(t *testing.T, where string, h http.Header, body []byte) string {
	t.Helper()
	var e struct {
		Error *struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		} `json:"error"`
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: error with content type %q", where, ct)
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" ||
		!bytes.HasPrefix(e.Error.Details, []byte("[")) {
		t.Errorf("%s: error body not in the SPEC §6 shape: %s", where, clip(body))
		return ""
	}
	return e.Error.Code
}

// send sends req with method, token and extra headers, and returns the answer.
func (c *client) send(method string, req authzReq, token string, header map[string]string) (int, http.Header, []byte) {
	c.t.Helper()
	r, err := http.NewRequest(method, c.base+req.path, strings.NewReader(req.body))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if req.ctype != "" {
		r.Header.Set("Content-Type", req.ctype)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, req.path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// TestAuthzMatrix_CoversOpenAPI: authzMatrix has exactly one row per
// operation of openapi.yaml, and agrees with each operation's security and
// x-roles: a route that needs a token refuses both tokenless callers, and
// a signed-in caller gets 403 exactly when its role is not among x-roles.
func TestAuthzMatrix_CoversOpenAPI(t *testing.T) { checkMatrixCoversOpenAPI(t) }

func checkMatrixCoversOpenAPI(t *testing.T) {
	t.Helper()
	doc, err := apispec.Spec()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]authzRow{}
	for _, r := range authzMatrix {
		if _, dup := rows[r.route]; dup {
			t.Errorf("two rows for %s", r.route)
		}
		rows[r.route] = r
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			row, ok := rows[key]
			if !ok {
				t.Errorf("openapi.yaml has %s but authzMatrix has no row for it: add one (and run with -update-docs)", key)
				continue
			}
			delete(rows, key)
			public, err := apispec.PublicOperation(doc, op)
			if err != nil {
				t.Fatal(err)
			}
			for _, who := range []caller{anon, expired} {
				if got := row.want[who] == http.StatusUnauthorized; got == public {
					t.Errorf("%s as %s: the table says %d, but the route is public=%v", key, callerNames[who], row.want[who], public)
				}
			}
			roles, _ := op.Extensions["x-roles"].([]any)
			if len(roles) == 0 {
				continue // any signed-in person, or public
			}
			for who := holderA; who < nCallers; who++ {
				allowed := slices.ContainsFunc(roles, func(r any) bool { return r == who.role() })
				if forbidden := row.want[who] == http.StatusForbidden; forbidden == allowed {
					t.Errorf("%s as %s: the table says %d, but x-roles is %v", key, callerNames[who], row.want[who], roles)
				}
			}
		}
	}
	for key := range rows {
		t.Errorf("authzMatrix has a row for %s, which openapi.yaml does not have", key)
	}
}

const (
	docsFile    = "docs/security.md"
	matrixBegin = "<!-- authz-matrix: generated from infra/local/authz_test.go (go test ./infra/local -run TestAuthzMatrix_Documented -update-docs) -->\n"
	matrixEnd   = "<!-- end of authz-matrix -->\n"
)

// matrixMarkdown renders authzMatrix as docs/security.md shows it.
func matrixMarkdown() string {
	var b strings.Builder
	b.WriteString("| route | " + strings.Join(callerNames[:], " | ") + " | request |\n")
	b.WriteString("|---" + strings.Repeat("|---:", int(nCallers)) + "|---|\n")
	for _, r := range authzMatrix {
		fmt.Fprintf(&b, "| `%s` |", r.route)
		for _, s := range r.want {
			fmt.Fprintf(&b, " %d |", s)
		}
		fmt.Fprintf(&b, " %s |\n", r.note)
	}
	return b.String()
}

// TestAuthzMatrix_Documented: docs/security.md shows authzMatrix as it is.
func TestAuthzMatrix_Documented(t *testing.T) {
	checkDocRegion(t, docsFile, matrixBegin, matrixEnd, matrixMarkdown(), *updateDocs,
		"go test ./infra/local -run TestAuthzMatrix_Documented -update-docs")
}
