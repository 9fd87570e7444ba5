package store_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/attendance"
	"github.com/cecportal/cecportal/internal/cec"
	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/roster"
	"github.com/cecportal/cecportal/internal/store"
	"github.com/cecportal/cecportal/internal/table"
	"github.com/cecportal/cecportal/internal/testkit"
)

// awkwardNames are names a roster may carry in quoted cells: accents,
// commas, quotes, line breaks, tabs, markup and characters outside the BMP.
var awkwardNames = []string{
	"José", "Zoë", "O'Brien", `Anne "Nan"`, "Smith, Jr.", "Line\nBreak", "Crlf\r\nName",
	"Tab\tHere", "Ñúñez-Çelik", "李小龍", "😀 Emoji", "<b>&amp;</b>", `back\slash`, "  spaced  ",
	`"quoted, with comma"`, "Ørsted\n\"Nils\", Sr.",
}

// attRows makes n roster rows whose line numbers skip as a spreadsheet's do
// when a quoted cell spans several lines.
func attRows(n int) []roster.Row {
	rows := make([]roster.Row, 0, n)
	line := 2
	for i := range n {
		first := awkwardNames[i%len(awkwardNames)]
		last := awkwardNames[(i*7+3)%len(awkwardNames)] + fmt.Sprint(i)
		rows = append(rows, roster.Row{Line: line, ProgramID: "PRG-1", HolderID: fmt.Sprintf("H-%04d", i),
			FirstName: first, LastName: last, Completed: roster.Date{Year: 2026, Month: time.Month(1 + i%12), Day: 1 + i%28}})
		line += 1 + strings.Count(first, "\n") + strings.Count(last, "\n")
	}
	return rows
}

func TestAttendance_Chunks(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, clock *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAttendance(tbl)
		rows := attRows(attendance.ChunkRows)
		if got := rows[len(rows)-1].Line; got <= len(rows)+1 {
			t.Fatalf("fixture: last line %d, want gaps from multi-line names", got)
		}
		expires := clock.Now().Add(attendance.InputRetention)
		for _, c := range []struct {
			chunk int
			rows  []roster.Row
		}{{0, rows}, {1, rows[:1]}, {2, []roster.Row{}}} {
			if err := repo.PutChunk(ctx, "U-1", c.chunk, c.rows, expires); err != nil {
				t.Fatalf("PutChunk %d: %v", c.chunk, err)
			}
		}

		tests := []struct {
			name   string
			upload string
			chunk  int
			want   []roster.Row
			errIs  error
		}{
			{"FullChunk", "U-1", 0, rows, nil},
			{"OneRow", "U-1", 1, rows[:1], nil},
			{"NoRows", "U-1", 2, []roster.Row{}, nil},
			{"ErrMissingChunk", "U-1", 3, nil, table.ErrNotFound},
			{"ErrMissingUpload", "U-none", 0, nil, table.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := repo.Chunk(ctx, tt.upload, tt.chunk)
				if tt.errIs != nil {
					if !errors.Is(err, tt.errIs) {
						t.Fatalf("Chunk(%s, %d): err = %v, want %v", tt.upload, tt.chunk, err, tt.errIs)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("%d rows, want %d", len(got), len(tt.want))
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("row %d:\n got %#v\nwant %#v", i, got[i], tt.want[i])
					}
				}
			})
		}

		// a chunk is one item, and nothing bounds a row's width: the
		// roster reader takes cells of any length up to its 10 MB file
		// limit. 500 rows whose names are 250 "é" each (a 0.5 MB roster)
		// make a 517 KB item, which PutChunk refuses (DynamoDB's limit is
		// 400 KB), so Report fails with an internal error instead of
		// storing the upload or refusing the roster with a 4xx.
		// The service cuts chunks at attendance.ChunkBytes (by RowBytes); a
		// chunk of the widest rows it lets through must fit one item.
		t.Run("WidestChunkFits", func(t *testing.T) {
			wide := attRows(attendance.ChunkRows)
			budget, n := 0, 0
			for i := range wide {
				wide[i].FirstName = strings.Repeat("é", attendance.MaxCellBytes/2) // 256 bytes
				wide[i].LastName = strings.Repeat(`"`, attendance.MaxCellBytes)    // doubled by JSON escaping
				if budget+attendance.RowBytes(wide[i]) > attendance.ChunkBytes {
					break
				}
				budget += attendance.RowBytes(wide[i])
				n++
			}
			if err := repo.PutChunk(ctx, "U-wide", 0, wide[:n], expires); err != nil {
				t.Fatalf("PutChunk of %d rows at the byte budget: %v", n, err)
			}
			got, err := repo.Chunk(ctx, "U-wide", 0)
			if err != nil || len(got) != n || got[n-1].LastName != wide[n-1].LastName {
				t.Fatalf("read back %d rows, %v", len(got), err)
			}
		})

		t.Run("ExpiredIsGone", func(t *testing.T) {
			clock.Advance(attendance.InputRetention - time.Second)
			if _, err := repo.Chunk(ctx, "U-1", 0); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			clock.Advance(time.Second)
			if got, err := repo.Chunk(ctx, "U-1", 0); err == nil {
				t.Fatalf("expired chunk still read: %d rows", len(got))
			}
		})
	})
}

func TestAttendance_Uploads(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, box := store.NewAttendance(tbl), store.NewOutbox(tbl)
		u := attendance.Upload{ID: "U-1", ProgramID: "PRG-1", Offering: 3, ProviderID: "PRV-1", By: "sub-provider", Source: "csv",
			ReportedOn: roster.Date{Year: 2026, Month: time.February, Day: 28}, Rows: 1234, Chunks: 3,
			Fee:       attendance.FilingFee{MemberCents: 250, GuestCents: 575, Currency: "USD"},
			CreatedAt: t0.Add(123456789 * time.Nanosecond), IgnoredColumns: []string{"Email", ""}}
		msg := attMessage(t, "U-1", 0, t0)
		if err := repo.CreateUpload(ctx, u, msg); err != nil {
			t.Fatal(err)
		}
		bare := attendance.Upload{ID: "U-2", ProgramID: "PRG-1", Offering: 1, ProviderID: "PRV-1", Source: "json",
			ReportedOn: roster.Date{Year: 2026, Month: time.January, Day: 1}, Rows: 1, Chunks: 1}
		if err := repo.CreateUpload(ctx, bare); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name  string
			id    string
			want  attendance.Upload
			errIs error
		}{
			{"EveryField", "U-1", u, nil},
			{"NoFeeNoTime", "U-2", bare, nil},
			{"ErrNotFound", "U-none", attendance.Upload{}, attendance.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := repo.Upload(ctx, tt.id)
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("Upload(%s): err = %v, want %v", tt.id, err, tt.errIs)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Upload(%s):\n got %+v\nwant %+v", tt.id, got, tt.want)
				}
			})
		}

		t.Run("OutboxMessage", func(t *testing.T) {
			assertPending(t, box, msg)
		})

		t.Run("ListedNewestFirst", func(t *testing.T) {
			later := bare
			later.ID, later.CreatedAt = "U-3", t0.Add(time.Hour)
			if err := repo.CreateUpload(ctx, later); err != nil {
				t.Fatal(err)
			}
			other := later
			other.ID, other.ProgramID = "U-4", "PRG-2"
			if err := repo.CreateUpload(ctx, other); err != nil {
				t.Fatal(err)
			}
			// Listed one a page, so that the cursor is followed.
			var got []attendance.Entry
			cursor := ""
			for range 5 {
				page, next, err := repo.Uploads(ctx, "PRG-1", attendance.Page{Limit: 1, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if cursor = next; cursor == "" {
					break
				}
			}
			want := []attendance.Entry{{Upload: later}, {Upload: u}, {Upload: bare}}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("uploads of PRG-1:\n got %+v\nwant %+v", got, want)
			}
			if _, _, err := repo.Uploads(ctx, "PRG-1", attendance.Page{Cursor: "bm90LWEtY3Vyc29y"}); err == nil {
				t.Fatal("a made-up cursor was accepted")
			}
		})

		t.Run("ErrCreateTwice", func(t *testing.T) {
			again := u
			again.Rows, again.By = 1, "someone-else"
			if err := repo.CreateUpload(ctx, again, attMessage(t, "U-1", 0, t0)); err == nil {
				t.Fatal("a second CreateUpload with the same ID succeeded")
			}
			got, err := repo.Upload(ctx, "U-1")
			if err != nil || !reflect.DeepEqual(got, u) {
				t.Fatalf("after the refused create: %+v, %v", got, err)
			}
			assertPending(t, box, msg) // the refused create queued nothing
		})
	})
}

// attMessage is the crediting message for a chunk, stamped at.
func attMessage(t *testing.T, uploadID string, chunk int, at time.Time) outbox.Message {
	t.Helper()
	m, err := outbox.New(attendance.Queue, map[string]any{"uploadId": uploadID, "chunk": chunk})
	if err != nil {
		t.Fatal(err)
	}
	m.CreatedAt = at
	return m
}

// assertPending checks that the outbox holds exactly want.
func assertPending(t *testing.T, box *store.Outbox, want ...outbox.Message) {
	t.Helper()
	got, err := box.Pending(t.Context(), t0.Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ms []outbox.Message) []string {
		var s []string
		for _, m := range ms {
			s = append(s, m.ID+" "+m.Queue+" "+m.Body)
		}
		slices.Sort(s)
		return s
	}
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("pending outbox:\n got %q\nwant %q", ids(got), ids(want))
	}
}

func TestAttendance_Holders(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, accts := store.NewAttendance(tbl), store.NewAccounts(tbl)
		// 250 IDs, more than one BatchGet of 100; every 13th holder exists,
		// so that each of the three requests finds some. (Holders are
		// created one by one: moto copies the whole table for every
		// operation of a transaction, and breaks under concurrent ones.)
		const n = 250
		want := map[string]attendance.Holder{}
		all := make([]string, 0, n)
		for i := range n {
			id := fmt.Sprintf("H-%03d", i)
			all = append(all, id)
			if i%13 != 0 {
				continue
			}
			h := holderFixture(id, fmt.Sprintf("sub-%03d", i), fmt.Sprintf("h%03d@example.com", i))
			h.FirstName, h.LastName = awkwardNames[i%len(awkwardNames)], fmt.Sprintf("Lima-%d", i)
			if i%2 == 0 {
				h.Membership = accounts.Member
			}
			h.Unlisted = i%3 == 0 // some out of the directory: Listed says which
			if err := accts.CreateHolder(ctx, h); err != nil {
				t.Fatalf("create %s: %v", id, err)
			}
			want[id] = attendance.Holder{ID: id, FirstName: h.FirstName, LastName: h.LastName, Email: h.Email, Membership: string(h.Membership), Listed: !h.Unlisted}
		}
		if len(want) < 3 || !strings.HasPrefix(slices.Max(slices.Collect(maps.Keys(want))), "H-2") {
			t.Fatalf("fixture: holders %v do not reach the third batch", slices.Sorted(maps.Keys(want)))
		}
		pick := func(ids ...string) map[string]attendance.Holder {
			m := map[string]attendance.Holder{}
			for _, id := range ids {
				m[id] = want[id]
			}
			return m
		}

		tests := []struct {
			name string
			ids  []string
			want map[string]attendance.Holder
		}{
			{"Existing", []string{"H-000", "H-013"}, pick("H-000", "H-013")},
			{"SkipsMissingAndEmpty", []string{"", "H-026", "H-none", "", "H-001", "H-039"}, pick("H-026", "H-039")},
			{"OnlyMissing", []string{"H-none", ""}, map[string]attendance.Holder{}},
			{"NoIDs", nil, map[string]attendance.Holder{}},
			{"MoreThanOneBatch", all, want},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := repo.Holders(ctx, tt.ids)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("%d holders, want %d", len(got), len(tt.want))
				}
				for id, w := range tt.want {
					if got[id] != w {
						t.Fatalf("holder %s: got %+v, want %+v", id, got[id], w)
					}
				}
			})
		}
	})
}

// attCredits makes credits of program for holders prefix-<from>..prefix-<to-1>.
func attCredits(program, prefix, upload string, from, to int, on roster.Date) []attendance.Credit {
	hours := []cec.Hours{cec.Hours(125), cec.Of(6), cec.Hours(50), cec.Hours(1), cec.Hours(1010)}
	var cs []attendance.Credit
	for i := from; i < to; i++ {
		cs = append(cs, attendance.Credit{ProgramID: program, HolderID: fmt.Sprintf("%s-%03d", prefix, i), UploadID: upload,
			Line: 2 + i, Completed: on, Title: "Ética, \"Prática\" e Gestão", ProviderID: "PRV-1", ProviderName: "Acme, Inc.",
			Hours: hours[i%len(hours)], Compliance: i%3 == 0, Credited: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	return cs
}

func holderIDs(cs []attendance.Credit) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.HolderID
	}
	return ids
}

// assertCredited checks that each credit in want is the holder's only
// record for its program: the attendance record and one transcript item.
func assertCredited(t *testing.T, tbl table.Table, want []attendance.Credit) {
	t.Helper()
	if len(want) == 0 {
		return
	}
	got, err := store.NewAttendance(tbl).Attendees(t.Context(), want[0].ProgramID, holderIDs(want))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d attendance records, want %d", len(got), len(want))
	}
	for _, c := range want {
		a := got[c.HolderID]
		if a.HolderID != c.HolderID || a.UploadID != c.UploadID || a.Line != c.Line || !a.Credited.Equal(c.Credited) {
			t.Fatalf("attendee %s: got %+v, want upload %s line %d at %v", c.HolderID, a, c.UploadID, c.Line, c.Credited)
		}
		items := testkit.QueryAll(t, tbl, table.Query{PK: "HOLDER#" + c.HolderID, Op: table.SKBeginsWith, Value: "CREDIT#"})
		if len(items) != 1 {
			t.Fatalf("holder %s has %d credit items %q, want 1", c.HolderID, len(items), testkit.SortKeys(items))
		}
		it := items[0]
		hours, _ := c.Hours.MarshalText()
		checks := []struct{ attr, got, want string }{
			{"SK", table.KeyOf(it).SK, "CREDIT#" + c.Completed.String() + "#PROGRAM#" + c.ProgramID},
			{"hours", testkit.StrAttr(it["hours"]), string(hours)},
			{"programId", testkit.StrAttr(it["programId"]), c.ProgramID},
			{"uploadId", testkit.StrAttr(it["uploadId"]), c.UploadID},
			{"completed", testkit.StrAttr(it["completed"]), c.Completed.String()},
			{"title", testkit.StrAttr(it["title"]), c.Title},
			{"providerName", testkit.StrAttr(it["providerName"]), c.ProviderName},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Fatalf("holder %s credit %s = %q, want %q", c.HolderID, ch.attr, ch.got, ch.want)
			}
		}
		if b, ok := it["association"].(*types.AttributeValueMemberBOOL); !ok || !b.Value {
			t.Fatalf("holder %s credit association = %#v, want true", c.HolderID, it["association"])
		}
		if b, ok := it["compliance"].(*types.AttributeValueMemberBOOL); !ok || b.Value != c.Compliance {
			t.Fatalf("holder %s credit compliance = %#v, want %v", c.HolderID, it["compliance"], c.Compliance)
		}
	}
}

func TestAttendance_Credit(t *testing.T) {
	t.Parallel()
	mar := roster.Date{Year: 2026, Month: time.March, Day: 1}
	feb := roster.Date{Year: 2026, Month: time.February, Day: 20}
	// Each case has a table of its own: moto copies the whole table for
	// every operation of a transaction, so its cost grows with the table.
	tests := []struct {
		name string
		run  func(t *testing.T, tbl table.Table, repo *store.Attendance)
	}{
		{"AllWrittenThenAllRefused", func(t *testing.T, tbl table.Table, repo *store.Attendance) {
			ctx := t.Context()
			first := attCredits("PRG-A", "A", "U-A1", 0, 120, mar)
			refused, err := repo.Credit(ctx, first)
			if err != nil || len(refused) != 0 {
				t.Fatalf("first Credit of 120: refused %v, %v", refused, err)
			}
			assertCredited(t, tbl, first)

			// Another upload with another date: a leak would show as a
			// second transcript item or a changed attendance record.
			again := attCredits("PRG-A", "A", "U-A2", 0, 120, feb)
			wantRefused := seq(0, 120)
			if _, onMoto := tbl.(*table.Dynamo); onMoto {
				// Each refusal costs a transaction of the rest of its group
				// (all 120: 120 transactions, 5,520 operations), and moto
				// copies the table for each operation: 46 s. On moto, one
				// from each of the three groups, among new credits.
				var sample []attendance.Credit
				wantRefused = nil
				for _, i := range []int{0, 50, 119} {
					sample = append(sample, again[i])
					wantRefused = append(wantRefused, len(sample)-1)
					sample = append(sample, attCredits("PRG-A", "A", "U-A2", 120+i, 121+i, feb)...)
				}
				again = sample
			}
			refused, err = repo.Credit(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(refused)
			if !slices.Equal(refused, wantRefused) {
				t.Fatalf("second Credit refused %v, want %v", refused, wantRefused)
			}
			assertCredited(t, tbl, first)
		}},
		{"SomeExist", func(t *testing.T, tbl table.Table, repo *store.Attendance) {
			ctx := t.Context()
			batch := attCredits("PRG-B", "B", "U-B2", 0, 60, mar)
			// Indexes on both sides of the 50-credit transaction boundary.
			existing := []int{7, 49, 50}
			var old []attendance.Credit
			for _, i := range existing {
				c := batch[i]
				c.UploadID, c.Completed, c.Line = "U-B1", feb, 900+i
				old = append(old, c)
			}
			if refused, err := repo.Credit(ctx, old); err != nil || len(refused) != 0 {
				t.Fatalf("crediting the 3: refused %v, %v", refused, err)
			}
			refused, err := repo.Credit(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(refused)
			if !slices.Equal(refused, existing) {
				t.Fatalf("refused %v, want %v", refused, existing)
			}
			var written []attendance.Credit
			for i, c := range batch {
				if !slices.Contains(existing, i) {
					written = append(written, c)
				}
			}
			assertCredited(t, tbl, written)
			assertCredited(t, tbl, old)
		}},
		{"NoCredits", func(t *testing.T, _ table.Table, repo *store.Attendance) {
			if refused, err := repo.Credit(t.Context(), nil); err != nil || len(refused) != 0 {
				t.Fatalf("Credit(nil): %v, %v", refused, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
				tt.run(t, tbl, store.NewAttendance(tbl))
			})
		})
	}

	// Concurrent writers: each adapter gets its own table (motoClient lets
	// one write at a time reach moto, as DynamoDB serialises transactions).
	t.Run("ConcurrentOverlapping", func(t *testing.T) {
		t.Parallel()
		adapters := []struct {
			name       string
			size, step int // each writer's credits, and the offset between writers
			open       func(t *testing.T) table.Table
		}{
			// On bbolt, each writer crosses a 50-credit transaction boundary.
			{"Bolt", 60, 20, func(t *testing.T) table.Table {
				return testkit.NewBolt(t, testkit.OpenBolt(t, filepath.Join(t.TempDir(), "local.db")), testkit.NewClock())
			}},
			// On moto, fewer: every refusal rewrites the rest of its group.
			{"Dynamo", 15, 5, func(t *testing.T) table.Table {
				client := testkit.MotoClient(t)
				return table.NewDynamo(client, testkit.NewTableName(t, client), table.WithDynamoNow(testkit.NewClock().Now))
			}},
		}
		for _, a := range adapters {
			t.Run(a.name, func(t *testing.T) {
				t.Parallel()
				concurrentCredit(t, a.open(t), a.size, a.step)
			})
		}
	})
}

// concurrentCredit runs four writers over overlapping ranges of holders:
// writer g credits holders g*step to g*step+size-1, every other writer in
// reverse order, each with its own completion date, so that crediting a
// holder twice would leave two transcript items.
func concurrentCredit(t *testing.T, tbl table.Table, size, step int) {
	ctx := t.Context()
	repo := store.NewAttendance(tbl)
	const writers = 4
	holders := 3*step + size
	sets := make([][]attendance.Credit, writers)
	total := 0
	for g := range writers {
		on := roster.Date{Year: 2026, Month: time.January, Day: 10 + g}
		sets[g] = attCredits("PRG-C", "C", fmt.Sprintf("U-C%d", g), g*step, g*step+size, on)
		if g%2 == 1 {
			slices.Reverse(sets[g])
		}
		total += len(sets[g])
	}
	refusals := make([][]int, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refusals[g], errs[g] = repo.Credit(ctx, sets[g])
		}()
	}
	wg.Wait()
	credited := map[string][]attendance.Credit{}
	refusedCount := 0
	for g := range writers {
		if errs[g] != nil {
			t.Fatalf("writer %d: %v", g, errs[g])
		}
		refusedCount += len(refusals[g])
		for i, c := range sets[g] {
			if !slices.Contains(refusals[g], i) {
				credited[c.HolderID] = append(credited[c.HolderID], c)
			}
		}
	}
	var won []attendance.Credit
	for i := range holders {
		id := fmt.Sprintf("C-%03d", i)
		if n := len(credited[id]); n != 1 {
			t.Fatalf("holder %s credited %d times by the writers", id, n)
		}
		won = append(won, credited[id][0])
	}
	if refusedCount+len(won) != total {
		t.Fatalf("%d refused + %d written != %d credits", refusedCount, len(won), total)
	}
	assertCredited(t, tbl, won)
}

func seq(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestAttendance_Attendees(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo := store.NewAttendance(tbl)
		credits := attCredits("PRG-A", "H", "U-1", 0, 5, roster.Date{Year: 2026, Month: time.March, Day: 1})
		if refused, err := repo.Credit(ctx, credits); err != nil || len(refused) != 0 {
			t.Fatalf("Credit: refused %v, %v", refused, err)
		}
		want := func(idx ...int) map[string]attendance.Attendee {
			m := map[string]attendance.Attendee{}
			for _, i := range idx {
				c := credits[i]
				m[c.HolderID] = attendance.Attendee{HolderID: c.HolderID, UploadID: c.UploadID, Line: c.Line, Credited: c.Credited}
			}
			return m
		}

		tests := []struct {
			name    string
			program string
			ids     []string
			want    map[string]attendance.Attendee
		}{
			{"All", "PRG-A", holderIDs(credits), want(0, 1, 2, 3, 4)},
			{"SkipsMissingAndEmpty", "PRG-A", []string{"H-001", "", "H-none", "H-003"}, want(1, 3)},
			{"OtherProgram", "PRG-B", holderIDs(credits), want()},
			{"NoIDs", "PRG-A", nil, want()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := repo.Attendees(ctx, tt.program, tt.ids)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("%d attendees, want %d: %+v", len(got), len(tt.want), got)
				}
				for id, w := range tt.want {
					g := got[id]
					if g.HolderID != w.HolderID || g.UploadID != w.UploadID || g.Line != w.Line || !g.Credited.Equal(w.Credited) {
						t.Fatalf("attendee %s: got %+v, want %+v", id, g, w)
					}
				}
			})
		}
	})
}

// attResults makes a chunk's row results for lines from..to-1, and its summary.
func attResults(chunk, from, to int) ([]attendance.RowResult, attendance.ChunkSummary) {
	s := attendance.ChunkSummary{Chunk: chunk, ByReason: map[string]int{}}
	var rs []attendance.RowResult
	for line := from; line < to; line++ {
		r := attendance.RowResult{Line: line, ProgramID: "PRG-1", HolderID: fmt.Sprintf("H-%03d", line),
			FirstName: awkwardNames[line%len(awkwardNames)], LastName: "Lima", Completed: "2026-02-10"}
		switch line % 4 {
		case 0:
			r.Code, r.Message = attendance.ReasonNameMismatch, "the name does not match holder's account"
		case 1:
			r.Code, r.Message = attendance.ReasonHolderNotFound, "no holder"
		default:
			r.Accepted, r.Membership, r.FeeCents = true, "member", 250
		}
		s.Rows++
		if r.Accepted {
			s.Accepted++
			s.FeeCents += r.FeeCents
		} else {
			s.Rejected++
			s.ByReason[r.Code]++
		}
		rs = append(rs, r)
	}
	return rs, s
}

// allResults pages through an upload's results.
func allResults(t *testing.T, repo *store.Attendance, uploadID string, limit int) []attendance.RowResult {
	t.Helper()
	var out []attendance.RowResult
	cursor := ""
	for range 1000 {
		page, next, err := repo.Results(t.Context(), uploadID, attendance.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("Results(%s, cursor %q): %v", uploadID, cursor, err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d results, limit %d", len(page), limit)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("more than 1000 pages")
	return nil
}

func TestAttendance_FinishChunk(t *testing.T) {
	t.Parallel()
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, box := store.NewAttendance(tbl), store.NewOutbox(tbl)
		// Chunk 0 holds more results than one BatchWrite request.
		res0, sum0 := attResults(0, 2, 42)
		res1, sum1 := attResults(1, 42, 47)
		next0 := attMessage(t, "U-F", 1, t0)
		if err := repo.FinishChunk(ctx, "U-F", res0, sum0, []outbox.Message{next0}, nil); err != nil {
			t.Fatal(err)
		}
		u := attendance.Upload{ID: "U-F", ProgramID: "PRG-F", Offering: 1, ProviderID: "PRV-1", Source: "csv", Rows: 45, Chunks: 2,
			ReportedOn: roster.Date{Year: 2027, Month: time.March, Day: 12}, CreatedAt: t0, Fee: attendance.FilingFee{Currency: "USD"}}
		if err := repo.CreateUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		done := &attendance.Entry{Upload: u, Done: true, Totals: attendance.Totals{Currency: "USD"}}
		done.Totals.Add(sum0)
		done.Totals.Add(sum1)
		if err := repo.FinishChunk(ctx, "U-F", res1, sum1, nil, done); err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(res0), res1...)

		t.Run("ListedDoneWithTotals", func(t *testing.T) {
			got, _, err := repo.Uploads(ctx, "PRG-F", attendance.Page{})
			if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], *done) {
				t.Fatalf("uploads of PRG-F: %+v, %v; want %+v", got, err, *done)
			}
		})

		t.Run("NextMessage", func(t *testing.T) {
			assertPending(t, box, next0)
		})

		t.Run("RedeliveryChangesNothing", func(t *testing.T) {
			if err := repo.FinishChunk(ctx, "U-F", res0, sum0, []outbox.Message{attMessage(t, "U-F", 1, t0)}, nil); err != nil {
				t.Fatalf("second FinishChunk: %v", err)
			}
			assertPending(t, box, next0)
			if got := allResults(t, repo, "U-F", 1000); !reflect.DeepEqual(got, want) {
				t.Fatalf("results changed by a redelivery")
			}
		})

		t.Run("Summaries", func(t *testing.T) {
			got, err := repo.Summaries(ctx, "U-F")
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(got, func(a, b attendance.ChunkSummary) int { return a.Chunk - b.Chunk })
			wantSums := []attendance.ChunkSummary{sum0, sum1}
			if len(got) != len(wantSums) {
				t.Fatalf("%d summaries, want %d: %+v", len(got), len(wantSums), got)
			}
			for i, w := range wantSums {
				g := got[i]
				if g.Chunk != w.Chunk || g.Rows != w.Rows || g.Accepted != w.Accepted || g.Rejected != w.Rejected ||
					g.FeeCents != w.FeeCents || !maps.Equal(g.ByReason, w.ByReason) {
					t.Fatalf("summary %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			if none, err := repo.Summaries(ctx, "U-none"); err != nil || len(none) != 0 {
				t.Fatalf("summaries of an unknown upload: %+v, %v", none, err)
			}
		})

		t.Run("ResultsPages", func(t *testing.T) {
			for _, limit := range []int{3, 45} {
				got := allResults(t, repo, "U-F", limit)
				if len(got) != len(want) {
					t.Fatalf("limit %d: %d results, want %d", limit, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("limit %d, result %d:\n got %+v\nwant %+v", limit, i, got[i], want[i])
					}
				}
			}
		})

		t.Run("ErrInvalidCursor", func(t *testing.T) {
			_, other, err := repo.Results(ctx, "U-F", attendance.Page{Limit: 1})
			if err != nil || other == "" {
				t.Fatalf("first page: cursor %q, %v", other, err)
			}
			enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
			tests := []struct {
				name, upload, cursor string
			}{
				{"NotBase64", "U-F", "%%%not-a-cursor"},
				{"NotJSON", "U-F", enc("hello")},
				{"JSONNull", "U-F", enc("null")},
				{"MissingSK", "U-F", enc(`{"PK":"UPLOAD#U-F"}`)},
				{"AnotherUpload", "U-other", other},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, _, err := repo.Results(ctx, tt.upload, attendance.Page{Limit: 3, Cursor: tt.cursor})
					fe, ok := fault.As(err)
					if !ok || fe.Code != "invalid_cursor" || fe.Kind != fault.Invalid {
						t.Fatalf("err = %v, want a fault with code invalid_cursor", err)
					}
				})
			}
		})

		// FinishChunk writes the row results before the transaction
		// that finds the chunk already finished, so a redelivery that judged
		// the rows differently (a holder's membership or name changed
		// between two concurrent deliveries) overwrites the results, which
		// then disagree with the summary kept from the first delivery. The
		// Store contract says a second call changes nothing.
		t.Run("RedeliveryWithOtherResultsChangesNothing", func(t *testing.T) {
			first, s := attResults(0, 2, 12)
			if err := repo.FinishChunk(ctx, "U-R", first, s, nil, nil); err != nil {
				t.Fatal(err)
			}
			second, s2 := attResults(0, 2, 12)
			for i := range second {
				second[i].Accepted, second[i].Code, second[i].Message = false, attendance.ReasonAlreadyCredited, "changed"
				second[i].Membership, second[i].FeeCents = "", 0
			}
			s2.Accepted, s2.Rejected, s2.FeeCents = 0, len(second), 0
			s2.ByReason = map[string]int{attendance.ReasonAlreadyCredited: len(second)}
			if err := repo.FinishChunk(ctx, "U-R", second, s2, nil, nil); err != nil {
				t.Fatalf("second FinishChunk: %v", err)
			}
			sums, err := repo.Summaries(ctx, "U-R")
			if err != nil || len(sums) != 1 || sums[0].Accepted != s.Accepted {
				t.Fatalf("summary after redelivery: %+v, %v", sums, err)
			}
			if got := allResults(t, repo, "U-R", 1000); !reflect.DeepEqual(got, first) {
				changed := 0
				for i := range got {
					if got[i] != first[i] {
						changed++
					}
				}
				t.Errorf("a redelivered FinishChunk rewrote %d of %d row results; the summary still says %d accepted", changed, len(first), s.Accepted)
			}
		})
	})
}

// TestAttendance_Corrections: a credit withdrawn only by its own upload and
// once, added only once, each with the correction in its upload's list and
// everyone's, the holder's history event and the outbox message.
func TestAttendance_Corrections(t *testing.T) {
	testkit.EachAdapter(t, func(t *testing.T, tbl table.Table, _ *testkit.Clock) {
		ctx := t.Context()
		repo, accts, box := store.NewAttendance(tbl), store.NewAccounts(tbl), store.NewOutbox(tbl)
		mar := roster.Date{Year: 2026, Month: time.March, Day: 1}
		credit := attendance.Credit{ProgramID: "PRG-C", HolderID: "H-1", UploadID: "U-1", Line: 2, Completed: mar, Title: "T",
			ProviderID: "P-1", ProviderName: "Acme", Hours: cec.Of(3), Credited: t0}
		if refused, err := repo.Credit(ctx, []attendance.Credit{credit}); err != nil || len(refused) != 0 {
			t.Fatalf("credit: %v, %v", refused, err)
		}
		corr := func(id, action, upload string, at time.Time) attendance.Correction {
			return attendance.Correction{ID: id, ProgramID: "PRG-C", UploadID: upload, Action: action, HolderID: "H-1", FirstName: "Ana",
				LastName: "Lima", Completed: mar, Hours: cec.Of(3), Reason: "r " + id, By: "sub-p", At: at}
		}
		msg, _ := outbox.New("mail", map[string]string{"id": "correction:C-1"})
		msg.CreatedAt = t0

		if err := repo.Withdraw(ctx, corr("C-0", "remove", "U-2", t0), msg); !errors.Is(err, attendance.ErrNotCredited) {
			t.Fatalf("withdraw by another upload: %v", err)
		}
		if err := repo.Withdraw(ctx, corr("C-1", "remove", "U-1", t0.Add(time.Minute)), msg); err != nil {
			t.Fatal(err)
		}
		if att, err := repo.Attendees(ctx, "PRG-C", []string{"H-1"}); err != nil || len(att) != 0 {
			t.Fatalf("attendance after the withdrawal: %v, %v", att, err)
		}
		if err := repo.Withdraw(ctx, corr("C-2", "remove", "U-1", t0.Add(2*time.Minute))); !errors.Is(err, attendance.ErrNotCredited) {
			t.Fatalf("second withdrawal: %v", err)
		}
		added := credit
		added.Line = 0
		if err := repo.AddCredit(ctx, added, corr("C-3", "add", "U-1", t0.Add(3*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if err := repo.AddCredit(ctx, added, corr("C-4", "add", "U-1", t0.Add(4*time.Minute))); !errors.Is(err, attendance.ErrAlreadyCredited) {
			t.Fatalf("second addition: %v", err)
		}
		att, err := repo.Attendees(ctx, "PRG-C", []string{"H-1"})
		if err != nil || att["H-1"].UploadID != "U-1" || att["H-1"].Completed != mar || att["H-1"].Line != 0 {
			t.Fatalf("attendance after the addition: %+v, %v", att, err)
		}

		list, err := repo.Corrections(ctx, "U-1")
		if err != nil || len(list) != 2 || list[0].ID != "C-1" || list[1].ID != "C-3" || list[0].Hours.String() != "3" || list[1].Completed != mar {
			t.Fatalf("the upload's corrections: %+v, %v", list, err)
		}
		all, _, err := repo.AllCorrections(ctx, attendance.Page{})
		if err != nil || len(all) != 2 || all[0].ID != "C-3" || all[1].ID != "C-1" {
			t.Fatalf("every correction: %+v, %v", all, err)
		}
		events, err := accts.Events(ctx, "H-1")
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if err != nil || !slices.Equal(actions, []string{"credit.withdrawn", "credit.added"}) {
			t.Fatalf("history %q, %v", actions, err)
		}
		if pending, err := box.Pending(ctx, t0.Add(time.Hour), 10); err != nil || len(pending) != 1 {
			t.Fatalf("outbox: %+v, %v (one message: the refused writes left none)", pending, err)
		}
	})
}
