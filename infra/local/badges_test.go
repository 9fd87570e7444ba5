package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/badges/badgetest"
	"github.com/cecportal/cecportal/internal/store"
)

// TestLocalStack_Badges: a holder credited by attendance downloads the
// program's Open Badge; it validates against the OB 3.0 schema, verifies
// with an independent library from the published key alone, and checks as
// valid; the provider's correction withdraws the credit, and the badge
// checks as revoked, its entry set in the published status list (issue 17).
func TestLocalStack_Badges(t *testing.T) {
	st := startStack(t, nil)
	badgeFlow(t, &client{t: t, base: st.URL})
}

// TestLocalStack_AWSBackendBadges: the same on DynamoDB, SQS and SES on moto.
func TestLocalStack_AWSBackendBadges(t *testing.T) {
	badgeFlow(t, &client{t: t, base: startAWSStack(t, nil).URL})
}

func badgeFlow(t *testing.T, c *client) {
	acme := c.acmeProvider()
	staff := c.token("sub-staff", "staff", "office@example.org")
	program := approvedProgram(t, c, acme, staff, 3)
	ana := c.token("sub-ana", "holder", "ana@example.com")
	var holder map[string]any
	c.do("POST", "/holders", ana, map[string]any{"firstName": "Ana", "lastName": "Lima", "email": "ana@example.com"}, 201, &holder)
	id := fmt.Sprint(holder["holderId"])
	now := time.Date(2027, 3, 12, 14, 0, 0, 0, time.UTC)
	c.do("PUT", "/dev/clock", "", map[string]any{"now": now.Format(time.RFC3339)}, 200, nil)
	roster := "Program ID,Holder ID,First Name,Last Name,Completion Date\n" + fmt.Sprintf("%s,%s,Ana,Lima,2027-03-10\n", program, id)
	var acc map[string]any
	c.doRaw("POST", "/programs/"+program+"/attendance", acme, "text/csv", roster, 202, &acc)
	upload := fmt.Sprint(acc["uploadId"])
	if got := verdictsOf(c.waitForUpload(acme, program, upload)); got != "2:ok" {
		t.Fatalf("upload %s", got)
	}

	token := c.download("/holders/me/badges/programs/"+program, ana, "application/vc+jwt")
	if again := c.download("/holders/me/badges/programs/"+program, ana, "application/vc+jwt"); again != token {
		t.Fatal("a second download is another badge")
	}
	keys := c.public("/badges/keys")
	claims := badgetest.Verify(t, keys, token, now.Add(time.Hour))
	payload := badgetest.Payload(t, token)
	if err := badgetest.Validate(t, payload); err != nil {
		t.Fatalf("the badge is not a valid OB 3.0 AchievementCredential: %v\n%s", err, payload)
	}
	var profile struct{ ID, Name string }
	if err := json.Unmarshal(c.public("/badges/issuer"), &profile); err != nil || profile.ID != c.base+"/badges/issuer" ||
		claims["iss"] != profile.ID || badgetest.Get(claims, "issuer", "name") != profile.Name {
		t.Fatalf("issuer profile %+v (%v) and the badge's iss %v", profile, err, claims["iss"])
	}
	kid := fmt.Sprint(badgetest.Header(t, token)["kid"])
	var key struct{ Kid, N string }
	if err := json.Unmarshal(c.public(strings.TrimPrefix(kid, c.base)), &key); err != nil || key.Kid != kid || key.N == "" {
		t.Fatalf("the key the badge names (%s): %+v, %v", kid, key, err)
	}
	if badgetest.Get(claims, "credentialSubject", "creditsEarned") != 3.0 ||
		badgetest.Get(claims, "credentialSubject", "achievement", "humanCode") != program {
		t.Fatalf("the badge's subject: %v", claims["credentialSubject"])
	}

	type verdict struct {
		Result, Summary, Holder, CECs string
		Revoked                       *struct{ On, Reason string }
	}
	var v verdict
	c.do("POST", "/badges/verify", "", map[string]any{"credential": token}, 200, &v)
	if v.Result != "valid" || v.Holder != "Ana Lima" || v.CECs != "3" {
		t.Fatalf("verdict %+v", v)
	}

	// The provider finds Ana was not there: the credit is withdrawn, and
	// with it the badge.
	c.do("POST", "/programs/"+program+"/attendance/"+upload+"/corrections", acme,
		map[string]any{"action": "remove", "holderId": id, "reason": "Left before the first break."}, 201, nil)
	c.do("POST", "/badges/verify", "", map[string]any{"credential": token}, 200, &v)
	// Why, in the association's words: the provider's own are not public.
	if v.Result != "revoked" || v.Revoked == nil || v.Revoked.Reason != store.WithdrawnReason || strings.Contains(v.Summary, "first break") {
		t.Fatalf("verdict after the correction %+v", v)
	}
	list := string(c.public("/badges/status/1"))
	lc := badgetest.Verify(t, keys, list, now.Add(time.Minute))
	bits, err := badges.DecodeList(fmt.Sprint(badgetest.Get(lc, "credentialSubject", "encodedList")))
	if err != nil {
		t.Fatal(err)
	}
	index, _ := strconv.Atoi(fmt.Sprint(badgetest.Get(claims, "credentialStatus", "statusListIndex")))
	if !badges.Set(bits, index) || badgetest.Get(claims, "credentialStatus", "statusListCredential") != c.base+"/badges/status/1" {
		t.Fatalf("status list 1 does not revoke entry %d", index)
	}
	c.do("GET", "/holders/me/badges/programs/"+program, ana, nil, 404, nil)
	var listed struct{ Badges []struct{ Revoked bool } }
	c.do("GET", "/holders/"+id+"/badges", staff, nil, 200, &listed)
	if len(listed.Badges) != 1 || !listed.Badges[0].Revoked {
		t.Fatalf("staff's list of Ana's badges: %+v", listed)
	}
}

// public GETs path without a token and returns the 200's body.
func (c *client) public(path string) []byte {
	c.t.Helper()
	resp, err := http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %.200s", path, resp.StatusCode, raw)
	}
	return raw
}
