package templates

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// sampleValues are what the system gives a template, as staff's preview
// shows them and as an association's own templates are tried with before
// they are taken (Load): one plausible value per data key, chosen so that
// the usual branch of each template shows (an approval, a removal, CECs
// not met yet).
var sampleValues = map[string]string{
	"action": "remove", "activities": "- Fair Housing Update (3 CECs)\n- Leasing Law (1.5 CECs)", "amount": "125.00 USD",
	"approved": "2", "attendees": "24", "audit": "false", "auditDue": "2027-05-01", "auditMissing": "the certificate of completion",
	"auditProvided": "false", "cecs": "4.5", "completed": "2027-03-10", "contactName": "Dee Dunn", "counted": "4.5",
	"deadline": "2027-04-24", "decision": "approved", "description": "2027 renewal: CAM", "days": "30", "dueOn": "2027-01-01",
	"earnedYear": "2026", "endsOn": "2027-03-10", "firstName": "Ana", "graceUntil": "2027-03-31", "guests": "3",
	"holderId": "H-4F7Q2R8KXM", "holderName": "Ana Lima", "hours": "3", "invoiceId": "INV-7K3M9Q2XAB", "issuedOn": "2026-11-02",
	"late": "false", "lateWithinDays": "14", "lastName": "Lima", "members": "21", "met": "false", "name": "Ana Lima",
	"outstanding": "1.5", "paidOn": "2026-11-20", "programId": "PRG-7K3M9Q2XAB", "providerId": "P-2M8X4K7Q", "providerName": "Acme Training",
	"reason": "The certificate does not show the date of the course.", "reasons": "- Row 4: the holder ID is not known",
	"reference": "pi_3QK2mV2eZvKYlo2C", "rejected": "1", "reinstatementFee": "50.00 USD", "renewalYear": "2027", "reportedOn": "2027-03-12",
	"required": "6", "shortfalls": "- Add at least 1.5 more CECs: 4.5 of the 6 required count so far.", "startsOn": "2027-03-10",
	"submissionId": "SUB-9X2K4MQ7", "title": "Fair Housing Update 2027", "year": "2027",
}

var dataKey = regexp.MustCompile(`\.Data\.([A-Za-z0-9_]+)`)

// Names are the shipped templates, sorted.
func Names() []string {
	var out []string
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".txt"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Sample is the data the system gives template name, with sample values:
// the keys its shipped text and HTML read (an association's own template
// may read those and no others).
func Sample(name string) map[string]string {
	out := map[string]string{}
	for _, ext := range []string{".txt", ".html"} {
		src, err := files.ReadFile(name + ext)
		if err != nil {
			continue
		}
		for _, m := range dataKey.FindAllStringSubmatch(string(src), -1) {
			out[m[1]] = sampleValues[m[1]]
		}
	}
	return maps.Clone(out)
}

// Email is one email the system sends, as staff's list names it.
type Email struct {
	Name  string // the template's name
	Title string // what it is, in words
	To    string // who gets it, in words
}

// catalogue names each shipped email in words (a test holds it to the
// files).
var catalogue = map[string][2]string{
	"welcome_holder":                {"Welcome to a new holder", "A holder, when they create their account"},
	"welcome_provider":              {"Welcome to a new provider", "A provider, when they register their organisation"},
	"program_invoice":               {"Application fee invoice", "A provider, when a program passes its checks"},
	"program_refused":               {"Application not accepted", "A provider, when a program fails its checks"},
	"program_decision":              {"Decision on an application", "A provider, when staff approve or reject a program"},
	"filing_fee_invoice":            {"Filing fee invoice", "A provider, after reporting attendance that owes a fee"},
	"receipt":                       {"Receipt", "Whoever paid: a fee or a renewal"},
	"attendance_correction":         {"Transcript corrected", "A holder, when a credit is added or withdrawn"},
	"submission_received":           {"CEC submission received", "A holder, when they submit CECs earned elsewhere"},
	"submission_decision":           {"Decision on a CEC submission", "A holder, when staff decide"},
	"reminder_renewal_due":          {"Reminder: renewal due", "A holder whose renewal is unpaid (they may turn it off)"},
	"reminder_renewal_grace_ending": {"Reminder: grace period ending", "A holder whose renewal is still unpaid (they may turn it off)"},
	"reminder_cecs_outstanding":     {"Reminder: CECs still needed", "A holder short of CECs (they may turn it off)"},
	"reminder_audit_documents":      {"Reminder: audit documents", "A holder whose audit waits for documents (they may turn it off)"},
	"reminder_audit_overdue":        {"Audit overdue", "The association's office"},
	"reminder_attendance_due":       {"Reminder: attendance to report", "A provider (they may turn it off)"},
	"reminder_fee_due":              {"Reminder: application fee unpaid", "A provider (they may turn it off)"},
	"reminder_filing_fee_due":       {"Reminder: filing fee unpaid", "A provider (they may turn it off)"},
}

// Catalogue is every email the system sends, in words, in Names' order.
func Catalogue() []Email {
	names := Names()
	out := make([]Email, 0, len(names))
	for _, n := range names {
		c := catalogue[n]
		out = append(out, Email{Name: n, Title: c[0], To: c[1]})
	}
	return out
}
