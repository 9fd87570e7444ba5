// Package store is the repositories of cecportal's single table: each
// domain's Store interface implemented on the table engine (package table),
// the items and their conversion to and from domain values, and every key
// of the table, made in keys.go and listed in docs/data-model.md.
package store

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/badges"
	"github.com/cecportal/cecportal/internal/ids"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/programs"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/submissions"
	"github.com/cecportal/cecportal/internal/table"
)

// Every key of the single table is made here, from the prefixes below, and
// nowhere else in the package (TestKeys_OnePlace). docs/data-model.md's
// Items table lists each entity with its keys (TestKeys_Documented), and no
// two entities can be read as each other: on one partition their sort keys
// differ and neither begins the other, and no partition prefix begins
// another's (TestKeys_Distinct).

// Partition keys of the base table: prefixes (ending in '#') and values.
const (
	pkHolder      = "HOLDER#"
	pkProvider    = "PROVIDER#"
	pkSub         = "SUB#"
	pkHolderEmail = "HOLDEREMAIL#"
	pkOutbox      = "OUTBOX#"
	pkProgram     = "PROGRAM#"
	pkCalendar    = "CALENDAR"
	pkUpload      = "UPLOAD#"
	pkMailJob     = "MAILJOB#"
	pkPayEvent    = "PAYEVENT#"
	pkSubmission  = "SUBMISSION#"
	pkInvoice     = "INVOICE#"
	pkSweep       = "RENEWALSWEEP#"
	pkReminder    = "REMINDER#"
	pkHolderFind  = "HOLDERFIND#"
	pkMemberNo    = "MEMBERNO#"
	pkImport      = "IMPORT#"
	pkUndeliv     = "UNDELIVERABLE#"
	pkPiece       = "PIECE#"
	pkBadgeCount  = "BADGECOUNT"
	pkBadgeList   = "BADGELIST#"
	pkLedger      = "LEDGER#"
	pkStats       = "STATS#"
	pkIssue       = "PAYISSUE#"
	// Due markers: the partition of a marker, and of its index entries
	// (with the month of its date).
	dueRenewal    = "DUE#renewal#"
	dueCECs       = "DUE#cecs#"
	dueAttendance = "DUE#attendance#"
	dueFee        = "DUE#fee#"
	dueFiling     = "DUE#filing#"
	dueAudit      = "DUE#audit#"
)

// Sort keys: values, and prefixes (ending in '#').
const (
	skProfile        = "PROFILE"
	skEmailPrefs     = "EMAILPREFS"
	skHolder         = "HOLDER"
	skProvider       = "PROVIDER"
	skHolderMail     = "HOLDEREMAIL"
	skEvent          = "EVENT#"
	skProgram        = "PROGRAM"
	skUpload         = "UPLOAD"
	skInput          = "INPUT#"
	skChunk          = "CHUNK#"
	skRow            = "ROW#"
	skAttendee       = "ATTENDEE#"
	skProgramUpload  = "UPLOAD#"
	skCredit         = "CREDIT#"
	skMailJob        = "MAILJOB"
	skPayEvent       = "PAYEVENT"
	skSubmission     = "SUBMISSION#"
	skSubmissionLink = "SUBMISSION"
	skSubOpen        = "SUBOPEN#"
	skInvoice        = "INVOICE"
	skSweep          = "SWEEP"
	skDue            = "DUE"
	skReminder       = "REMINDER"
	skCorrection     = "CORRECTION#"
	skHolderFind     = "HOLDERFIND"
	skMemberNo       = "MEMBERNO"
	skImport         = "IMPORT"
	skHeld           = "HELD#"
	skFilingFee      = "FILINGFEE"
	skUndeliv        = "UNDELIVERABLE"
	skPiece          = "PIECE"
	skDocument       = "DOC#"
	skCredential     = "BADGE#"
	skBadgeCount     = "COUNTER"
	skRevoked        = "REVOKED#"
	skIssue          = "ISSUE"
	skStatus         = "STATUS"
)

// Partition keys of the indexes.
const (
	gsiDirectory        = "DIR#"            // GSI1: the directory, by folded last-name prefix
	gsiProviderPrograms = "PROVIDER#"       // GSI1: a provider's programs, PROVIDER#<id>#PROGRAMS
	gsiProgramStatus    = "PROGSTATUS#"     // GSI2: programs by status
	gsiSubmissionStatus = "SUBSTATUS#"      // GSI2: submissions by status
	gsiRenewable        = "RENEWABLE#"      // GSI2: holders with credentials, by shard
	gsiHolderInvoices   = "HOLDERINVOICES#" // GSI1: a holder's renewal invoices, by year
	gsiCorrections      = "CORRECTIONS"     // GSI1: every correction of a posted upload, by time
	gsiStaffDirectory   = "STAFFDIR#"       // GSI1: every holder, listed or not, by folded last-name prefix (staff)
	gsiOpenFilingFees   = "FILINGFEES"      // GSI1: unpaid filing fee invoices, by issue time
	gsiImports          = "IMPORTS"         // GSI1: staff's imports of holders, by time
	gsiProviderFiling   = "PROVIDERFILING#" // GSI2: a provider's unpaid filing fee invoices, by issue time
	gsiHolderHeld       = "HOLDERHELD#"     // GSI2: a holder's credits held for a filing fee, by completion date
	gsiUndeliverable    = "UNDELIVERABLES"  // GSI1: undeliverable email addresses, by time marked
	gsiIssues           = "PAYISSUES#"      // GSI1: payment issues, open or resolved, by time recorded
)

// entity is the key shape of one kind of item, named as docs/data-model.md's
// Items table names it: the fixed part of its partition and sort keys (a
// prefix ending in '#', or the whole value; "" where nothing is fixed) and
// of its index partition keys.
type entity struct {
	name       string
	pk, sk     string
	gsi1, gsi2 string
}

// entities is every kind of item in the table.
var entities = []entity{
	{name: "holder", pk: pkHolder, sk: skProfile, gsi1: gsiDirectory},
	{name: "holder audit event", pk: pkHolder, sk: skEvent},
	{name: "identity → holder", pk: pkSub, sk: skHolder},
	{name: "identity → provider", pk: pkSub, sk: skProvider},
	{name: "email → holder", pk: pkHolderEmail, sk: skHolderMail},
	{name: "holder search entry", pk: pkHolderFind, sk: skHolderFind, gsi1: gsiStaffDirectory},
	{name: "member number → holder", pk: pkMemberNo, sk: skMemberNo},
	{name: "holder import", pk: pkImport, sk: skImport, gsi1: gsiImports},
	{name: "holder import input", pk: pkImport, sk: skInput},
	{name: "holder import chunk summary", pk: pkImport, sk: skChunk},
	{name: "holder import row result", pk: pkImport, sk: skRow},
	{name: "provider", pk: pkProvider, sk: skProfile},
	{name: "holder's email choices", pk: pkHolder, sk: skEmailPrefs},
	{name: "provider's email choices", pk: pkProvider, sk: skEmailPrefs},
	{name: "outbox entry", pk: pkOutbox},
	{name: "program", pk: pkProgram, sk: skProgram, gsi1: gsiProviderPrograms, gsi2: gsiProgramStatus},
	{name: "calendar entry", pk: pkCalendar},
	{name: "upload", pk: pkUpload, sk: skUpload},
	{name: "upload input", pk: pkUpload, sk: skInput},
	{name: "upload chunk summary", pk: pkUpload, sk: skChunk},
	{name: "upload row result", pk: pkUpload, sk: skRow},
	{name: "attendance correction", pk: pkUpload, sk: skCorrection, gsi1: gsiCorrections},
	{name: "held credit", pk: pkUpload, sk: skHeld, gsi2: gsiHolderHeld},
	{name: "filing fee invoice", pk: pkUpload, sk: skFilingFee, gsi1: gsiOpenFilingFees, gsi2: gsiProviderFiling},
	{name: "filing fee due marker", pk: dueFiling, sk: skDue, gsi2: dueFiling},
	{name: "attendance record", pk: pkProgram, sk: skAttendee},
	{name: "program upload entry", pk: pkProgram, sk: skProgramUpload},
	{name: "transcript credit", pk: pkHolder, sk: skCredit},
	{name: "mail job", pk: pkMailJob, sk: skMailJob},
	{name: "CEC submission", pk: pkHolder, sk: skSubmission, gsi2: gsiSubmissionStatus},
	{name: "submission → holder", pk: pkSubmission, sk: skSubmissionLink},
	{name: "open submission lock", pk: pkHolder, sk: skSubOpen},
	{name: "renewable holder (index entry)", gsi2: gsiRenewable},
	{name: "renewal invoice", pk: pkInvoice, sk: skInvoice, gsi1: gsiHolderInvoices},
	{name: "renewal due marker", pk: dueRenewal, sk: skDue, gsi2: dueRenewal},
	{name: "renewal sweep", pk: pkSweep, sk: skSweep},
	{name: "CEC due marker", pk: dueCECs, sk: skDue, gsi2: dueCECs},
	{name: "attendance due marker", pk: dueAttendance, sk: skDue, gsi2: dueAttendance},
	{name: "fee due marker", pk: dueFee, sk: skDue, gsi2: dueFee},
	{name: "reminder record", pk: pkReminder, sk: skReminder},
	{name: "payment event", pk: pkPayEvent, sk: skPayEvent},
	{name: "undeliverable address", pk: pkUndeliv, sk: skUndeliv, gsi1: gsiUndeliverable},
	{name: "daily job piece record", pk: pkPiece, sk: skPiece},
	{name: "document", pk: pkHolder, sk: skDocument},
	{name: "audit due marker", pk: dueAudit, sk: skDue, gsi2: dueAudit},
	{name: "badge (verifiable credential)", pk: pkHolder, sk: skCredential},
	{name: "badge counter", pk: pkBadgeCount, sk: skBadgeCount},
	{name: "revoked status entry", pk: pkBadgeList, sk: skRevoked},
	{name: "ledger entry", pk: pkLedger},
	{name: "payment issue", pk: pkIssue, sk: skIssue, gsi1: gsiIssues},
	{name: "programs by status (counter)", pk: pkStats + "programs", sk: skStatus},
	{name: "a provider's programs by status (counter)", pk: pkStats + "providers"},
	{name: "revenue by month (counter)", pk: pkStats + "revenue"},
	{name: "renewal season by week (counter)", pk: pkStats + "season"},
	{name: "CECs credited by month (counter)", pk: pkStats + "credited"},
	{name: "CEC compliance of a renewal year (counter)", pk: pkStats + "compliance"},
}

// The office's figures (docs/dashboard.md): counters kept by the writes
// they count.

// revenueStatsKey counts a year's payments (the association's year) by
// month, kind, currency and what became of them (ledger.RevenueName).
func revenueStatsKey(year int) table.Key {
	return table.Key{PK: pkStats + "revenue", SK: strconv.Itoa(year)}
}

// seasonStatsKey counts a renewal year's invoices issued and paid, by
// week (the association's ISO week).
func seasonStatsKey(year int) table.Key {
	return table.Key{PK: pkStats + "season", SK: strconv.Itoa(year)}
}

// seasonWeek names a week of a season's counters: the ISO week of t in
// loc, "2026-W45".
func seasonWeek(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// creditedStatsKey counts a year's CECs credited to transcripts (the
// association's year, by the month of the write): "<yyyy-mm> credits" and
// "<yyyy-mm> cecs" (in hundredths, cec.Hours).
func creditedStatsKey(year int) table.Key {
	return table.Key{PK: pkStats + "credited", SK: strconv.Itoa(year)}
}

// complianceStatsKey counts a renewal year's invoices by their CEC
// verdict: "met", "short", and "short <rule>" for each rule short.
func complianceStatsKey(year int) table.Key {
	return table.Key{PK: pkStats + "compliance", SK: strconv.Itoa(year)}
}

// providerStatsKey counts a provider's programs in each status: one item
// per provider, in one partition the dashboard reads whole.
func providerStatsKey(providerID string) table.Key {
	return table.Key{PK: pkStats + "providers", SK: providerID}
}

// programStatsKey counts the programs in each status.
func programStatsKey() table.Key { return table.Key{PK: pkStats + "programs", SK: skStatus} }

// The payments ledger (docs/payments.md#the-ledger).

// ledgerAt is an instant as a sort key: fixed width, so that it sorts as
// it reads.
const ledgerAt = "2006-01-02T15:04:05.000000000Z"

// ledgerKey is a payment event's entry: under its month (UTC), by time.
func ledgerKey(at time.Time, invoiceID, eventID string) table.Key {
	at = at.UTC()
	return table.Key{PK: ledgerPK(at), SK: at.Format(ledgerAt) + "#" + invoiceID + "#" + eventID}
}

// ledgerPK is the partition of the entries of month's (UTC) month.
func ledgerPK(month time.Time) string { return pkLedger + month.UTC().Format("2006-01") }

// issueKey is a payment issue, by its event.
func issueKey(id string) table.Key { return table.Key{PK: pkIssue + id, SK: skIssue} }

// issuesPK is GSI1's partition of the open or the resolved issues.
func issuesPK(resolved bool) string {
	if resolved {
		return gsiIssues + "resolved"
	}
	return gsiIssues + "open"
}

// Verifiable credentials (docs/badges.md).

// badgeKey is the record of a holder's credential of kind and key
// (a program's ID, a renewal's year), in the holder's partition.
func badgeKey(holderID string, kind badges.Kind, key string) table.Key {
	return table.Key{PK: pkHolder + holderID, SK: skCredential + string(kind) + "#" + key}
}

// badgeCounterKey counts the credentials ever issued: each one's place in
// the status lists.
func badgeCounterKey() table.Key { return table.Key{PK: pkBadgeCount, SK: skBadgeCount} }

// revokedKey is the revoked entry index of status list n (six digits, so
// that entries sort as numbers).
func revokedKey(n, index int) table.Key {
	return table.Key{PK: badgeListPK(n), SK: fmt.Sprintf("%s%06d", skRevoked, index)}
}
func badgeListPK(n int) string { return pkBadgeList + strconv.Itoa(n) }

// Accounts.

// documentKey is a holder's document, in the holder's partition.
func documentKey(holderID, id string) table.Key {
	return table.Key{PK: pkHolder + holderID, SK: skDocument + id}
}

func holderKey(id string) table.Key     { return table.Key{PK: pkHolder + id, SK: skProfile} }
func providerKey(id string) table.Key   { return table.Key{PK: pkProvider + id, SK: skProfile} }
func subKey(sub, kind string) table.Key { return table.Key{PK: pkSub + sub, SK: kind} }
func holderEmailKey(email string) table.Key {
	return table.Key{PK: pkHolderEmail + accounts.EmailKey(email), SK: skHolderMail}
}

// memberNumberKey links the association's member number to its holder.
func memberNumberKey(number string) table.Key {
	return table.Key{PK: pkMemberNo + accounts.MemberNumberKey(number), SK: skMemberNo}
}

// Holder imports: the import, its input chunks, chunk summaries and row
// results on its partition, as an upload's.
func importKey(id string) table.Key { return table.Key{PK: pkImport + id, SK: skImport} }
func importInputKey(id string, chunk int) table.Key {
	return table.Key{PK: pkImport + id, SK: fmt.Sprintf("%s%05d", skInput, chunk)}
}
func importChunkKey(id string, chunk int) table.Key {
	return table.Key{PK: pkImport + id, SK: fmt.Sprintf("%s%05d", skChunk, chunk)}
}
func importRowKey(id string, line int) table.Key {
	return table.Key{PK: pkImport + id, SK: fmt.Sprintf("%s%08d", skRow, line)}
}

// importsIndexSK orders staff's imports by time (GSI1).
func importsIndexSK(at time.Time, id string) string { return keyTime(at) + "#" + id }

// holderFindKey is a holder's entry in staff's search by name.
func holderFindKey(id string) table.Key { return table.Key{PK: pkHolderFind + id, SK: skHolderFind} }

// eventKey is a new audit event's key: in time order, a random suffix
// keeping two events of the same instant apart.
func eventKey(holderID string, at time.Time) table.Key {
	return table.Key{PK: pkHolder + holderID, SK: skEvent + formatTime(at) + "#" + ids.Random(6)}
}

func renewablePK(shard int) string { return gsiRenewable + strconv.Itoa(shard) }

// Programs. Times in keys are UTC in the fixed-width layout programKeyTime.

func programKey(id string) table.Key { return table.Key{PK: pkProgram + id, SK: skProgram} }

func providerProgramsPK(providerID string) string {
	return gsiProviderPrograms + providerID + "#PROGRAMS"
}

func programStatusPK(s programs.Status) string { return gsiProgramStatus + string(s) }

// calendarKey is the calendar entry of offering n of program id starting
// at starts. The first offering's has no number, as before offerings.
func calendarKey(id string, n int, starts time.Time) table.Key {
	sk := keyTime(starts) + "#" + id
	if n > 1 {
		sk += fmt.Sprintf("#%d", n)
	}
	return table.Key{PK: pkCalendar, SK: sk}
}

// Attendance.

func uploadKey(id string) table.Key { return table.Key{PK: pkUpload + id, SK: skUpload} }
func inputKey(id string, chunk int) table.Key {
	return table.Key{PK: pkUpload + id, SK: fmt.Sprintf("%s%05d", skInput, chunk)}
}
func chunkKey(id string, chunk int) table.Key {
	return table.Key{PK: pkUpload + id, SK: fmt.Sprintf("%s%05d", skChunk, chunk)}
}
func rowKey(id string, line int) table.Key {
	return table.Key{PK: pkUpload + id, SK: fmt.Sprintf("%s%08d", skRow, line)}
}

// programUploadKey is an upload's entry in its program's list, in time order.
func programUploadKey(program string, created time.Time, upload string) table.Key {
	return table.Key{PK: pkProgram + program, SK: skProgramUpload + keyTime(created) + "#" + upload}
}

// heldKey is an accepted row's credit held until its upload's filing fee
// is paid.
func heldKey(upload, holder string) table.Key {
	return table.Key{PK: pkUpload + upload, SK: skHeld + holder}
}

func filingFeeKey(upload string) table.Key { return table.Key{PK: pkUpload + upload, SK: skFilingFee} }

// openFilingFeesSK orders the unpaid filing fees by issue time (GSI1).
func openFilingFeesSK(issued time.Time, upload string) string { return keyTime(issued) + "#" + upload }

func dueFilingKey(upload string) table.Key { return table.Key{PK: dueFiling + upload, SK: skDue} }

// correctionKey is a correction on its upload's partition, in time order.
func correctionKey(upload string, at time.Time, id string) table.Key {
	return table.Key{PK: pkUpload + upload, SK: skCorrection + keyTime(at) + "#" + id}
}

// correctionsIndexSK orders everyone's corrections by time (GSI1).
func correctionsIndexSK(at time.Time, id string) string { return keyTime(at) + "#" + id }

func attendeeKey(program, holder string) table.Key {
	return table.Key{PK: pkProgram + program, SK: skAttendee + holder}
}
func creditKey(holder string, on roster.Date, program string) table.Key {
	return table.Key{PK: pkHolder + holder, SK: skCredit + on.String() + "#" + pkProgram + program}
}

// Submissions.

func submissionKey(holderID, id string) table.Key {
	return table.Key{PK: pkHolder + holderID, SK: skSubmission + id}
}

func submissionLinkKey(id string) table.Key {
	return table.Key{PK: pkSubmission + id, SK: skSubmissionLink}
}

func submissionOpenKey(holderID string, year int) table.Key {
	return table.Key{PK: pkHolder + holderID, SK: skSubOpen + strconv.Itoa(year)}
}

func submissionStatusPK(s submissions.Status) string { return gsiSubmissionStatus + string(s) }

// Renewals and reminders.

func invoiceKey(id string) table.Key { return table.Key{PK: pkInvoice + id, SK: skInvoice} }

// holderInvoicesKeys are a renewal invoice's GSI1 keys: the holder's
// partition, the year (four digits, so that years sort as numbers).
func holderInvoicesKeys(holderID string, year int) (pk, sk string) {
	return holderInvoicesPK(holderID), fmt.Sprintf("%04d", year)
}

func holderInvoicesPK(holderID string) string { return gsiHolderInvoices + holderID }
func sweepKey(year int) table.Key             { return table.Key{PK: pkSweep + strconv.Itoa(year), SK: skSweep} }

func dueRenewalKey(invoiceID string) table.Key {
	return table.Key{PK: dueRenewal + invoiceID, SK: skDue}
}
func dueCECsKey(invoiceID string) table.Key { return table.Key{PK: dueCECs + invoiceID, SK: skDue} }

// dueAuditKey is the marker of a submission whose audit waits for files.
func dueAuditKey(submissionID string) table.Key {
	return table.Key{PK: dueAudit + submissionID, SK: skDue}
}
func dueAttendanceKey(programID string, offering int) table.Key {
	return table.Key{PK: dueAttendance + attendanceMarkerID(programID, offering), SK: skDue}
}

// attendanceMarkerID names the attendance marker of an offering: the
// first offering's is the program's ID, as before offerings.
func attendanceMarkerID(programID string, offering int) string {
	if offering > 1 {
		return fmt.Sprintf("%s#%d", programID, offering)
	}
	return programID
}
func dueFeeKey(programID string) table.Key { return table.Key{PK: dueFee + programID, SK: skDue} }

func reminderKey(id string) table.Key { return table.Key{PK: pkReminder + id, SK: skReminder} }
func pieceKey(key string) table.Key   { return table.Key{PK: pkPiece + key, SK: skPiece} }

// Mail, payments, the outbox.

func undeliverableKey(email string) table.Key {
	return table.Key{PK: pkUndeliv + email, SK: skUndeliv}
}
func mailJobKey(id string) table.Key      { return table.Key{PK: pkMailJob + id, SK: skMailJob} }
func paymentEventKey(id string) table.Key { return table.Key{PK: pkPayEvent + id, SK: skPayEvent} }

// outboxKey spreads entries over outboxShards partitions by message ID, in
// time order within each.
func outboxKey(m outbox.Message) table.Key {
	h := fnv.New32a()
	h.Write([]byte(m.ID))
	return table.Key{PK: outboxPK(int(h.Sum32() % outboxShards)), SK: keyTime(m.CreatedAt) + "#" + m.ID}
}

func outboxPK(shard int) string { return pkOutbox + strconv.Itoa(shard) }
