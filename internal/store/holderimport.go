package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cecportal/cecportal/internal/accounts"
	"github.com/cecportal/cecportal/internal/holderimport"
	"github.com/cecportal/cecportal/internal/outbox"
	"github.com/cecportal/cecportal/internal/table"
)

// HolderImports is the holderimport.Store on the table:
//
//	IMPORT#<id>   IMPORT           the import (GSI1 IMPORTS / <createdAt>#<id>): its totals once done
//	IMPORT#<id>   INPUT#<chunk>    a chunk of its rows, as received (expires after 30 days)
//	IMPORT#<id>   CHUNK#<chunk>    a done chunk's summary
//	IMPORT#<id>   ROW#<line>       a row's result
//
// and the holders it creates, with the accounts' items: HOLDER#<id>
// PROFILE, HOLDEREMAIL#…, MEMBERNO#…, HOLDERFIND#<id>.
type HolderImports struct{ t table.Table }

var _ holderimport.Store = (*HolderImports)(nil)

// NewHolderImports returns the holder import repository on t.
func NewHolderImports(t table.Table) *HolderImports { return &HolderImports{t: t} }

type importItem struct {
	PK        string         `json:"PK"`
	SK        string         `json:"SK"`
	GSI1PK    string         `json:"GSI1PK"`
	GSI1SK    string         `json:"GSI1SK"`
	Type      string         `json:"type"`
	ID        string         `json:"importId"`
	By        string         `json:"by"`
	Rows      int            `json:"rows"`
	Chunks    int            `json:"chunks"`
	CreatedAt string         `json:"createdAt"`
	Ignored   []string       `json:"ignoredColumns,omitempty"`
	Done      bool           `json:"done,omitempty"`
	Totals    *importTotals  `json:"totals,omitempty"`
	ByReason  map[string]int `json:"byReason,omitempty"`
}

type importTotals struct {
	Rows     int `json:"rows"`
	Created  int `json:"created"`
	Existing int `json:"existing"`
	Rejected int `json:"rejected"`
}

func importToItem(e holderimport.Entry) (table.Item, error) {
	im := e.Import
	k := importKey(im.ID)
	it := importItem{PK: k.PK, SK: k.SK, GSI1PK: gsiImports, GSI1SK: importsIndexSK(im.CreatedAt, im.ID), Type: "holder-import",
		ID: im.ID, By: im.By, Rows: im.Rows, Chunks: im.Chunks, CreatedAt: formatTime(im.CreatedAt), Ignored: im.Ignored, Done: e.Done}
	if e.Done {
		t := e.Totals
		it.Totals, it.ByReason = &importTotals{Rows: t.Rows, Created: t.Created, Existing: t.Existing, Rejected: t.Rejected}, t.ByReason
	}
	return table.Marshal(it)
}

func importFromItem(item table.Item) (holderimport.Entry, error) {
	var it importItem
	if err := table.Unmarshal(item, &it); err != nil {
		return holderimport.Entry{}, err
	}
	e := holderimport.Entry{Import: holderimport.Import{ID: it.ID, By: it.By, Rows: it.Rows, Chunks: it.Chunks,
		CreatedAt: parseTime(it.CreatedAt), Ignored: it.Ignored}, Done: it.Done}
	if t := it.Totals; t != nil {
		e.Totals = holderimport.Totals{Rows: t.Rows, Created: t.Created, Existing: t.Existing, Rejected: t.Rejected, ByReason: it.ByReason}
	}
	return e, nil
}

// PutChunk stores a chunk of rows as one JSON string of row tuples.
func (h *HolderImports) PutChunk(ctx context.Context, importID string, chunk int, rows []accounts.Imported, expires time.Time) error {
	tuples := make([][7]string, 0, len(rows))
	for _, r := range rows {
		tuples = append(tuples, [7]string{strconv.Itoa(r.Line), r.MemberNumber, r.FirstName, r.LastName, r.Email, r.Membership, r.Credentials})
	}
	return putInput(ctx, h.t, importInputKey(importID, chunk), "holder-import-input", tuples, expires)
}

// Chunk reads a stored chunk back.
func (h *HolderImports) Chunk(ctx context.Context, importID string, chunk int) ([]accounts.Imported, error) {
	var tuples [][7]string
	if err := getInput(ctx, h.t, importInputKey(importID, chunk), &tuples); err != nil {
		return nil, err
	}
	rows := make([]accounts.Imported, 0, len(tuples))
	for _, t := range tuples {
		line, _ := strconv.Atoi(t[0])
		rows = append(rows, accounts.Imported{Line: line, MemberNumber: t[1], FirstName: t[2], LastName: t[3], Email: t[4], Membership: t[5], Credentials: t[6]})
	}
	return rows, nil
}

// CreateImport writes the import with its first message.
func (h *HolderImports) CreateImport(ctx context.Context, im holderimport.Import, msgs ...outbox.Message) error {
	item, err := importToItem(holderimport.Entry{Import: im})
	if err != nil {
		return err
	}
	out, err := OutboxOps(msgs...)
	if err != nil {
		return err
	}
	return h.t.Write(ctx, append([]table.Op{table.Put(item, table.IfNotExists())}, out...)...)
}

// Import reads an import.
func (h *HolderImports) Import(ctx context.Context, id string) (holderimport.Import, error) {
	item, err := h.t.Get(ctx, importKey(id))
	if errors.Is(err, table.ErrNotFound) {
		return holderimport.Import{}, holderimport.ErrNotFound
	}
	if err != nil {
		return holderimport.Import{}, fmt.Errorf("get import %s: %w", id, err)
	}
	e, err := importFromItem(item)
	return e.Import, err
}

// Links reads the email and member number links (BatchGetItem), then the
// holders they point at (BatchGetItem).
func (h *HolderImports) Links(ctx context.Context, emails, numbers []string) (holderimport.Links, error) {
	out := holderimport.Links{ByEmail: map[string]accounts.Holder{}, ByNumber: map[string]accounts.Holder{}}
	keys := make([]table.Key, 0, len(emails)+len(numbers))
	for _, e := range emails {
		keys = append(keys, holderEmailKey(e))
	}
	for _, n := range numbers {
		keys = append(keys, memberNumberKey(n))
	}
	if len(keys) == 0 {
		return out, nil
	}
	links, err := h.t.BatchGet(ctx, keys)
	if err != nil {
		return out, fmt.Errorf("batch get links: %w", err)
	}
	if len(links) == 0 {
		return out, nil
	}
	owner := map[string][]table.Key{} // holder ID → the links that name it
	var holderKeys []table.Key
	for _, item := range links {
		var l linkItem
		if err := table.Unmarshal(item, &l); err != nil {
			return out, err
		}
		if _, seen := owner[l.ID]; !seen {
			holderKeys = append(holderKeys, holderKey(l.ID))
		}
		owner[l.ID] = append(owner[l.ID], table.KeyOf(item))
	}
	holders, err := h.t.BatchGet(ctx, holderKeys)
	if err != nil {
		return out, fmt.Errorf("batch get holders: %w", err)
	}
	for _, item := range holders {
		var it holderItem
		if err := table.Unmarshal(item, &it); err != nil {
			return out, err
		}
		hd := holderFromItem(it)
		for _, k := range owner[hd.ID] {
			switch k.SK {
			case skHolderMail:
				out.ByEmail[accounts.EmailKey(hd.Email)] = hd
			case skMemberNo:
				out.ByNumber[hd.MemberNumber] = hd
			}
		}
	}
	return out, nil
}

// importedOps are a new holder's writes: the holder and its links, each only
// if absent, and its search entry.
func importedOps(hd accounts.Holder) ([]table.Op, error) {
	item, err := table.Marshal(holderToItem(hd))
	if err != nil {
		return nil, fmt.Errorf("marshal holder: %w", err)
	}
	email, err := linkOp(holderEmailKey(hd.Email), "email-link", hd.ID)
	if err != nil {
		return nil, err
	}
	find, err := holderFindPut(hd)
	if err != nil {
		return nil, err
	}
	ops := []table.Op{table.Put(item, table.IfNotExists()), email, find}
	if hd.MemberNumber != "" {
		number, err := linkOp(memberNumberKey(hd.MemberNumber), "member-number-link", hd.ID)
		if err != nil {
			return nil, err
		}
		ops = append(ops, number)
	}
	return ops, nil
}

// CreateHolders writes holders in transactions of HoldersPerWrite; one whose
// key, email or member number is taken is refused and the rest of its
// transaction written again without it.
func (h *HolderImports) CreateHolders(ctx context.Context, hs []accounts.Holder) ([]int, error) {
	var refused []int
	for start := 0; start < len(hs); start += holderimport.HoldersPerWrite {
		group := make([]int, 0, holderimport.HoldersPerWrite)
		for i := start; i < min(start+holderimport.HoldersPerWrite, len(hs)); i++ {
			group = append(group, i)
		}
		for len(group) > 0 {
			var ops []table.Op
			for _, i := range group {
				o, err := importedOps(hs[i])
				if err != nil {
					return nil, err
				}
				ops = append(ops, o...)
			}
			err := table.RetryContended(ctx, func() (bool, error) {
				err := h.t.Write(ctx, ops...)
				return errors.Is(err, table.ErrConflict), err
			})
			var cf *table.ConditionFailedError
			switch {
			case err == nil:
				group = nil
			case errors.As(err, &cf):
				at := slices.IndexFunc(group, func(i int) bool {
					hd := hs[i]
					return cf.Key == holderKey(hd.ID) || cf.Key == holderEmailKey(hd.Email) ||
						hd.MemberNumber != "" && cf.Key == memberNumberKey(hd.MemberNumber)
				})
				if at < 0 {
					return nil, fmt.Errorf("create holders: %w", err)
				}
				refused = append(refused, group[at])
				group = slices.Delete(group, at, at+1)
			default:
				return nil, fmt.Errorf("create holders: %w", err)
			}
		}
	}
	return refused, nil
}

type importRowItem struct {
	PK           string `json:"PK"`
	SK           string `json:"SK"`
	Type         string `json:"type"`
	Line         int    `json:"line"`
	MemberNumber string `json:"memberNumber,omitempty"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Email        string `json:"email"`
	Membership   string `json:"membership,omitempty"`
	Credentials  string `json:"credentials,omitempty"`
	Outcome      string `json:"outcome"`
	HolderID     string `json:"holderId,omitempty"`
	Code         string `json:"code,omitempty"`
	Message      string `json:"message,omitempty"`
}

type importChunkItem struct {
	PK       string         `json:"PK"`
	SK       string         `json:"SK"`
	Type     string         `json:"type"`
	Chunk    int            `json:"chunk"`
	Rows     int            `json:"rows"`
	Created  int            `json:"created"`
	Existing int            `json:"existing"`
	Rejected int            `json:"rejected"`
	ByReason map[string]int `json:"byReason"`
}

// FinishChunk records the chunk once (recordChunkOnce): its row results,
// then its summary with the next message, or after the last chunk the
// import with its totals.
func (h *HolderImports) FinishChunk(ctx context.Context, importID string, results []holderimport.RowResult, s holderimport.ChunkSummary, next []outbox.Message, done *holderimport.Entry) error {
	rows := make([]table.Item, 0, len(results))
	for _, r := range results {
		rk := importRowKey(importID, r.Line)
		item, err := table.Marshal(importRowItem{PK: rk.PK, SK: rk.SK, Type: "holder-import-row", Line: r.Line, MemberNumber: r.MemberNumber,
			FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Membership: r.Membership, Credentials: r.Credentials,
			Outcome: r.Outcome, HolderID: r.HolderID, Code: r.Code, Message: r.Message})
		if err != nil {
			return err
		}
		rows = append(rows, item)
	}
	k := importChunkKey(importID, s.Chunk)
	sum, err := table.Marshal(importChunkItem{PK: k.PK, SK: k.SK, Type: "holder-import-chunk", Chunk: s.Chunk, Rows: s.Rows,
		Created: s.Created, Existing: s.Existing, Rejected: s.Rejected, ByReason: s.ByReason})
	if err != nil {
		return err
	}
	with, err := OutboxOps(next...)
	if err != nil {
		return err
	}
	if done != nil {
		item, err := importToItem(*done)
		if err != nil {
			return err
		}
		with = append(with, table.Put(item, table.Condition{}))
	}
	return recordChunkOnce(ctx, h.t, sum, rows, with...)
}

// Summaries reads the done chunks' summaries.
func (h *HolderImports) Summaries(ctx context.Context, importID string) ([]holderimport.ChunkSummary, error) {
	var out []holderimport.ChunkSummary
	q := table.Query{PK: pkImport + importID, Op: table.SKBeginsWith, Value: skChunk, Limit: 1000}
	err := queryAll(ctx, h.t, q, func(item table.Item) error {
		var it importChunkItem
		if err := table.Unmarshal(item, &it); err != nil {
			return err
		}
		out = append(out, holderimport.ChunkSummary{Chunk: it.Chunk, Rows: it.Rows, Created: it.Created, Existing: it.Existing,
			Rejected: it.Rejected, ByReason: it.ByReason})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query chunk summaries of %s: %w", importID, err)
	}
	return out, nil
}

// Results reads row results in row order.
func (h *HolderImports) Results(ctx context.Context, importID string, pg holderimport.Page) ([]holderimport.RowResult, string, error) {
	page, err := h.t.Query(ctx, table.Query{PK: pkImport + importID, Op: table.SKBeginsWith, Value: skRow,
		Limit: pageLimit(pg.Limit, 1000, 1000), Cursor: pg.Cursor})
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query row results of %s: %w", importID, err))
	}
	out := make([]holderimport.RowResult, 0, len(page.Items))
	for _, item := range page.Items {
		var it importRowItem
		if err := table.Unmarshal(item, &it); err != nil {
			return nil, "", err
		}
		out = append(out, holderimport.RowResult{Line: it.Line, MemberNumber: it.MemberNumber, FirstName: it.FirstName, LastName: it.LastName,
			Email: it.Email, Membership: it.Membership, Credentials: it.Credentials, Outcome: it.Outcome, HolderID: it.HolderID, Code: it.Code, Message: it.Message})
	}
	return out, page.Cursor, nil
}

// Imports lists every import, newest first (GSI1: one Query).
func (h *HolderImports) Imports(ctx context.Context, pg holderimport.Page) ([]holderimport.Entry, string, error) {
	page, err := h.t.Query(ctx, table.Query{Index: table.IndexGSI1, PK: gsiImports, Descending: true,
		Limit: pageLimit(pg.Limit, listPageDefault, listPageMax), Cursor: pg.Cursor})
	if err != nil {
		return nil, "", table.CursorFault(fmt.Errorf("query imports: %w", err))
	}
	return decodeList(ctx, "imports", page.Items, importFromItem), page.Cursor, nil
}
