package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/cecportal/cecportal/internal/documents"
	"github.com/cecportal/cecportal/internal/table"
)

// Documents is the documents.Store on the table:
//
//	HOLDER#<holderId>  DOC#<documentId>   the document's record, ttl its keepUntil
//
// A document lives in its holder's partition, so that the Query that reads
// a holder's record for a submission sees which documents may be attached,
// and the submission's write attaches them under their versions. Its ttl
// removes the record with the file: a day after an upload that never
// came, the policy's keepDays after one that did.
type Documents struct{ t table.Table }

var _ documents.Store = (*Documents)(nil)

// NewDocuments returns the documents repository on t.
func NewDocuments(t table.Table) *Documents { return &Documents{t: t} }

const typeDocument = "document"

type documentItem struct {
	PK           string `json:"PK"`
	SK           string `json:"SK"`
	Type         string `json:"type"`
	ID           string `json:"documentId"`
	HolderID     string `json:"holderId"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256,omitempty"`
	Status       string `json:"status"`
	SubmissionID string `json:"submissionId"` // "" until attached: conditions compare it
	CreatedAt    string `json:"createdAt"`
	CheckedAt    string `json:"checkedAt,omitempty"`
	KeepUntil    string `json:"keepUntil"`
	TTL          int64  `json:"ttl"`
	Version      int64  `json:"version"`
}

func documentAsItem(d documents.Document) (table.Item, error) {
	k := documentKey(d.HolderID, d.ID)
	item, err := table.Marshal(documentItem{PK: k.PK, SK: k.SK, Type: typeDocument, ID: d.ID, HolderID: d.HolderID, Name: d.Name,
		ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256, Status: string(d.Status), SubmissionID: d.SubmissionID,
		CreatedAt: formatTime(d.CreatedAt), CheckedAt: formatTime(d.CheckedAt), KeepUntil: formatTime(d.KeepUntil),
		TTL: d.KeepUntil.Unix(), Version: d.Version})
	if err != nil {
		return nil, fmt.Errorf("marshal document %s: %w", d.ID, err)
	}
	return item, nil
}

func decodeDocument(item table.Item) (documents.Document, error) {
	var it documentItem
	if err := table.Unmarshal(item, &it); err != nil {
		return documents.Document{}, fmt.Errorf("unmarshal document %s: %w", table.KeyOf(item), err)
	}
	return documents.Document{ID: it.ID, HolderID: it.HolderID, Name: it.Name, ContentType: it.ContentType, Size: it.Size,
		SHA256: it.SHA256, Status: documents.Status(it.Status), SubmissionID: it.SubmissionID, CreatedAt: parseTime(it.CreatedAt),
		CheckedAt: parseTime(it.CheckedAt), KeepUntil: parseTime(it.KeepUntil), Version: it.Version}, nil
}

// Create puts a new document.
func (r *Documents) Create(ctx context.Context, d documents.Document) error {
	item, err := documentAsItem(d)
	if err != nil {
		return err
	}
	return r.t.Write(ctx, table.Put(item, table.IfNotExists()))
}

// Get reads a holder's document.
func (r *Documents) Get(ctx context.Context, holderID, id string) (documents.Document, error) {
	item, err := r.t.Get(ctx, documentKey(holderID, id))
	if errors.Is(err, table.ErrNotFound) {
		return documents.Document{}, documents.ErrNotFound
	}
	if err != nil {
		return documents.Document{}, err
	}
	return decodeDocument(item)
}

// Update is the read-modify-write of a document under its version.
func (r *Documents) Update(ctx context.Context, holderID, id string, fn func(d *documents.Document) error) (documents.Document, error) {
	var d documents.Document
	err := table.UpdateVersioned(ctx, r.t, func() (table.Versioned, error) {
		before, err := r.Get(ctx, holderID, id)
		if err != nil {
			return table.Versioned{}, err
		}
		d = before
		if err := fn(&d); err != nil {
			return table.Versioned{}, err
		}
		d.ID, d.HolderID, d.Version = before.ID, before.HolderID, before.Version+1
		item, err := documentAsItem(d)
		if err != nil {
			return table.Versioned{}, err
		}
		return table.Versioned{Item: item, Version: before.Version}, nil
	})
	return d, err
}

// Delete removes a document's record; unless attached, only one that no
// submission names.
func (r *Documents) Delete(ctx context.Context, holderID, id string, attached bool) error {
	k := documentKey(holderID, id)
	c := table.Condition{}
	if !attached {
		c = table.IfEqual("submissionId", table.S(""))
	}
	err := r.t.Write(ctx, table.Delete(k, c))
	if table.IsConditionFailed(err) {
		if _, gerr := r.Get(ctx, holderID, id); errors.Is(gerr, documents.ErrNotFound) {
			return nil
		}
		return documents.ErrAttached
	}
	return err
}

// attachOps are the writes that attach ds to submission subID, each under
// the version it was read at.
func attachOps(ds []documents.Document, subID string) ([]table.Op, error) {
	ops := make([]table.Op, 0, len(ds))
	for _, d := range ds {
		before := d.Version
		d.SubmissionID, d.Version = subID, d.Version+1
		item, err := documentAsItem(d)
		if err != nil {
			return nil, err
		}
		ops = append(ops, table.Put(item, table.IfEqual("version", table.N(before))))
	}
	return ops, nil
}
