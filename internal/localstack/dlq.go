package localstack

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cecportal/cecportal/internal/queue"
)

// dlqRoutes let an operator see what failed maxReceives times and, once the
// cause is fixed, send it round again: the local counterpart of the DLQ
// alarms and `aws sqs start-message-move-task` in AWS (docs/reliability.md).
// They work on the embedded backend; on the aws one the queues are SQS's,
// and the aws CLI is the tool.
func (s *Stack) dlqRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /dev/dlq", func(w http.ResponseWriter, r *http.Request) {
		if !s.embeddedOnly(w) {
			return
		}
		limit, ok := dlqLimit(w, r, 20)
		if !ok {
			return
		}
		out := make([]dlqView, 0, len(queueNames))
		for _, name := range queueNames {
			v, err := s.deadLetters(r.Context(), name, limit)
			if err != nil {
				s.log.Error("read dead-letter queue", "queue", name, "err", err)
				writeError(w, http.StatusInternalServerError, "internal", "could not read the dead-letter queues")
				return
			}
			out = append(out, v)
		}
		writeJSON(w, http.StatusOK, map[string]any{"queues": out})
	})
	mux.HandleFunc("GET /dev/dlq/{queue}", func(w http.ResponseWriter, r *http.Request) {
		name, ok := s.dlqQueue(w, r)
		if !ok {
			return
		}
		limit, ok := dlqLimit(w, r, 100)
		if !ok {
			return
		}
		v, err := s.deadLetters(r.Context(), name, limit)
		if err != nil {
			s.log.Error("read dead-letter queue", "queue", name, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "could not read the dead-letter queue")
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("POST /dev/dlq/{queue}/redrive", func(w http.ResponseWriter, r *http.Request) {
		name, ok := s.dlqQueue(w, r)
		if !ok {
			return
		}
		n, err := s.queues.Redrive(r.Context(), name+"-dlq", name)
		if err != nil {
			s.log.Error("redrive dead-letter queue", "queue", name, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "could not redrive the dead-letter queue")
			return
		}
		s.log.Info("dead letters redriven", "queue", name, "moved", n)
		writeJSON(w, http.StatusOK, map[string]any{"queue": name, "deadLetterQueue": name + "-dlq", "moved": n})
	})
}

// dlqView is one dead-letter queue as /dev/dlq shows it.
type dlqView struct {
	Queue           string           `json:"queue"`
	DeadLetterQueue string           `json:"deadLetterQueue"`
	MaxReceives     int              `json:"maxReceives"`
	Count           int              `json:"count"`
	Messages        []deadLetterView `json:"messages"`
}

type deadLetterView struct {
	MessageID      string `json:"messageId"`
	ReceiveCount   int    `json:"receiveCount"`
	SentAt         string `json:"sentAt"`
	DeadLetteredAt string `json:"deadLetteredAt"`
	Body           string `json:"body"`
}

func (s *Stack) deadLetters(ctx context.Context, name string, limit int) (dlqView, error) {
	msgs, total, err := s.queues.Peek(ctx, name+"-dlq", limit)
	if err != nil {
		return dlqView{}, err
	}
	v := dlqView{Queue: name, DeadLetterQueue: name + "-dlq", MaxReceives: maxReceives, Count: total, Messages: []deadLetterView{}}
	for _, m := range msgs {
		v.Messages = append(v.Messages, deadLetterView{MessageID: m.ID, ReceiveCount: m.ReceiveCount, Body: m.Body,
			SentAt: m.SentAt.Format(time.RFC3339Nano), DeadLetteredAt: m.VisibleAt.Format(time.RFC3339Nano)})
	}
	return v, nil
}

func (s *Stack) embeddedOnly(w http.ResponseWriter) bool {
	if s.queues != nil {
		return true
	}
	writeError(w, http.StatusNotImplemented, "not_embedded",
		"the dead-letter queues of the aws backend are SQS queues: use the aws CLI (docs/reliability.md)")
	return false
}

// dlqQueue is the {queue} of a /dev/dlq route: a queue the stack consumes.
func (s *Stack) dlqQueue(w http.ResponseWriter, r *http.Request) (string, bool) {
	if !s.embeddedOnly(w) {
		return "", false
	}
	name := r.PathValue("queue")
	if !slices.Contains(queueNames, name) {
		writeError(w, http.StatusNotFound, "unknown_queue", "no queue "+strconv.Quote(name)+"; the queues are "+strings.Join(queueNames, ", "))
		return "", false
	}
	return name, true
}

func dlqLimit(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1000 {
		writeError(w, http.StatusBadRequest, "invalid_request", "limit must be a whole number from 0 to 1000")
		return 0, false
	}
	return n, true
}

// Queue returns one of the stack's queues by its logical name (mail,
// attendance-crediting, ..., or <name>-dlq on the embedded backend), for
// tests that put a message straight on it.
func (s *Stack) Queue(name string) (queue.Queue, error) {
	if s.queues == nil {
		return nil, errors.New("queues are reachable this way on the embedded backend only")
	}
	return s.queues.Queue(name)
}
