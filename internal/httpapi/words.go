package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cecportal/cecportal/internal/fault"
	"github.com/cecportal/cecportal/internal/httpapi/contract"
)

// Problems are worded here, once, for the person who filled in the form:
// each detail of a 400 keeps its field path and code (what programs read)
// and gets a message that names the field as the form does ("Enter the
// organisation's email address"), whichever check found it, the request
// contract or a service. The names come from the document: `x-labels` on
// request schemas, `x-label` on parameters.

// problemTitle is the message of every 400 with field details: what a
// person sees above the list of problems.
const problemTitle = "There is a problem"

// wordProblems rewords err's details when it is a 400 with details for op:
// one message per detail in words for a person; anything else is returned
// as it is. A body that is not JSON (a CSV roster) keeps its reader's words,
// which name the row and the column of the spreadsheet.
func wordProblems(op *contract.Operation, mediaType string, err error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Invalid || len(fe.Details) == 0 || mediaType != "" && !isJSON(mediaType) {
		return err
	}
	out := *fe
	out.Message = problemTitle
	out.Details = make([]fault.Detail, len(fe.Details))
	for i, d := range fe.Details {
		d.Message = wordDetail(op, mediaType, d)
		out.Details[i] = d
	}
	return &out
}

// wordDetail is one problem in words: the field's label with what is wrong.
func wordDetail(op *contract.Operation, mediaType string, d fault.Detail) string {
	label, s := fieldLabel(op, mediaType, d.Field)
	if label == "" && d.Field != "" && d.Code != "unknown_field" {
		label = nameWords(d.Field)
	}
	if label == "" {
		return sentence(d.Message)
	}
	return problemWords(d.Code, d.Message, label, s)
}

// problemWords words a problem of a field with this label, checked by s
// (nil when unknown); message is the check's own words.
func problemWords(code, message, label string, s *contract.Schema) string {
	d := fault.Detail{Code: code, Message: message}
	switch d.Code {
	case "required", "empty":
		return verb(s) + " " + label
	case "min_length":
		if s != nil && s.MinLength > 1 {
			return fmt.Sprintf("%s must be %d characters or more", capital(label), s.MinLength)
		}
		return verb(s) + " " + label
	case "max_length", "too_long":
		if s != nil && s.MaxLength != nil {
			return fmt.Sprintf("%s must be %d characters or fewer", capital(label), *s.MaxLength)
		}
	case "format", "invalid_date", "invalid_date_time", "invalid_email":
		switch {
		case d.Code == "invalid_email" || s != nil && s.Format == "email":
			return "Enter " + label + " in the correct format, like name@example.org"
		case d.Code == "invalid_date" || s != nil && s.Format == "date":
			return "Enter " + label + " as a date, like 2027-03-10"
		default:
			return "Enter " + label + " as a date and time with its offset, like 2027-03-10T09:00:00-05:00"
		}
	case "invalid_phone":
		return "Enter " + label + " in the correct format, like +1 703 555 0100"
	case "invalid_country":
		return "Enter " + label + " as a two-letter code, like US"
	case "pattern":
		if s != nil && s.Example != "" {
			return "Enter " + label + " in the correct format, like " + s.Example
		}
		return "Enter " + label + " in the correct format"
	case "enum", "invalid_format", "invalid_membership", "invalid_value":
		if strings.HasPrefix(label, "whether ") {
			return "Choose " + label
		}
		return "Choose " + label + " from the list"
	case "type":
		if s != nil {
			return "Enter " + label + " as " + typeWords(s)
		}
	case "minimum":
		if s != nil && s.Minimum != nil {
			return fmt.Sprintf("%s must be %s or more", capital(label), number(*s.Minimum))
		}
	case "maximum":
		if s != nil && s.Maximum != nil {
			return fmt.Sprintf("%s must be %s or less", capital(label), number(*s.Maximum))
		}
	case "max_items", "too_many":
		if s != nil && s.MaxItems != nil {
			return fmt.Sprintf("%s can have at most %d entries", capital(label), *s.MaxItems)
		}
	case "min_items":
		return "Add " + label
	case "future_date":
		return capital(label) + " must be today or in the past"
	case "unknown_field":
		return sentence(d.Message)
	}
	// A service's own words, a fragment such as "must be at most 60 CECs
	// for one activity", after the field's name.
	if m := strings.TrimSpace(d.Message); m != "" && startsLower(m) {
		return capital(label) + " " + m
	}
	return sentence(d.Message)
}

// fieldLabel finds the label of a detail's field, and the schema that
// checks it: a parameter by name, or a path into the body's schema
// ("address.city", "activities[0].title" or "activities.0.title").
func fieldLabel(op *contract.Operation, mediaType string, field string) (string, *contract.Schema) {
	if op == nil || field == "" {
		return "", nil
	}
	for _, p := range op.Params {
		if p.Name == field {
			return p.Label, p.Schema
		}
	}
	if op.Body == nil {
		return "", nil
	}
	m := op.Body.Media(mediaType)
	if m == nil || m.Schema == nil {
		return "", nil
	}
	s, label, n := m.Schema, "", 0
	for _, part := range fieldParts(field) {
		switch {
		case s == nil:
			return "", nil
		case isIndex(part):
			i, _ := strconv.Atoi(part)
			s, n = s.Items, i+1
		default:
			label, s = s.Labels[part], s.Properties[part]
			if s == nil {
				return "", nil
			}
		}
	}
	// "{n}" in a label is the item's number in its list, counted from 1
	// ("the title of activity {n}").
	return strings.ReplaceAll(label, "{n}", strconv.Itoa(n)), s
}

// nameWords is a label for a field the document names none for, from its
// last part: "contactHours" → "the contact hours", "holderId" → "the holder
// ID". openapi.yaml labels every field of every request (TestLabels_Every
// RequestField), so people meet this only for an undocumented field.
func nameWords(field string) string {
	parts := fieldParts(field)
	for i := len(parts) - 1; i >= 0; i-- {
		if isIndex(parts[i]) {
			continue
		}
		var words []string
		start := 0
		name := parts[i]
		for j, r := range name {
			if j > 0 && unicode.IsUpper(r) {
				words = append(words, name[start:j])
				start = j
			}
		}
		words = append(words, name[start:])
		for k, w := range words {
			if strings.EqualFold(w, "id") || strings.EqualFold(w, "url") {
				words[k] = strings.ToUpper(w)
			} else {
				words[k] = strings.ToLower(w)
			}
		}
		return "the " + strings.Join(words, " ")
	}
	return ""
}

// fieldParts splits "activities[0].documentation.type" into activities, 0,
// documentation, type.
func fieldParts(field string) []string {
	field = strings.NewReplacer("[", ".", "]", "").Replace(field)
	return strings.FieldsFunc(field, func(r rune) bool { return r == '.' })
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// verb is how a form asks for a missing answer of this kind.
func verb(s *contract.Schema) string {
	switch {
	case s == nil:
		return "Enter"
	case len(s.Enum) > 0, s.Type == "boolean", s.Choice:
		return "Choose"
	case s.Type == "array":
		return "Add"
	}
	return "Enter"
}

func typeWords(s *contract.Schema) string {
	switch s.Type {
	case "integer":
		return "a whole number"
	case "number":
		return "a number"
	case "boolean":
		return "yes or no"
	case "array":
		return "a list"
	case "object":
		return "a group of answers"
	}
	return "text"
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// capital is s with its first letter in upper case.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence is a message as a sentence: a capital first letter.
func sentence(s string) string { return capital(strings.TrimSpace(s)) }

// withDetails adds to err, a 400 of the contract, the details of more (a
// service's checks) on fields err says nothing of: one problem per field,
// the contract's first. Fields are compared as the form names them
// ("activities.0.title" is "activities[0].title").
func withDetails(err error, more []fault.Detail) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(more) == 0 {
		return err
	}
	out := *fe
	out.Details = mergeDetails(fe.Details, more)
	return &out
}

// mergeDetails is first, then the details of more on fields first says
// nothing of (nor of a group they belong to).
func mergeDetails(first, more []fault.Detail) []fault.Detail {
	out := slices.Clone(first)
	seen := map[string]bool{}
	for _, d := range first {
		seen[formField(d.Field)] = true
	}
	for _, d := range more {
		if f := formField(d.Field); !seen[f] && !within(f, seen) {
			seen[f] = true
			out = append(out, d)
		}
	}
	return out
}

// within reports whether field lies inside one of fields (address.city in
// address): a part of a group already reported missing is not news.
func within(field string, fields map[string]bool) bool {
	for f := range fields {
		if f != "" && (strings.HasPrefix(field, f+".") || strings.HasPrefix(field, f+"[")) {
			return true
		}
	}
	return false
}

// formField is a field path as the forms write it: list items in brackets.
func formField(field string) string {
	parts := fieldParts(field)
	var b strings.Builder
	for _, p := range parts {
		if isIndex(p) {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// ProblemsJS is the web forms' problems.js: for every field of every JSON
// request body, by operation ("POST /providers") and field path (list items
// written "[]": "activities[].title"), its label and the words of its two
// problems a browser can see before sending: left empty, and (for an email
// address) not in the shape of one. A "{n}" in them is the item's number in
// its list.
// The forms thus word these problems exactly as the API does, from the same
// x-labels, without a round trip.
func ProblemsJS() []byte {
	type words struct {
		Label    string `json:"label"`
		Required string `json:"required"`
		Email    string `json:"email,omitempty"`
	}
	all := map[string]map[string]words{}
	var walk func(out map[string]words, at string, s *contract.Schema)
	walk = func(out map[string]words, at string, s *contract.Schema) {
		if s == nil {
			return
		}
		for name, p := range s.Properties {
			f := name
			if at != "" {
				f = at + "." + name
			}
			if l := s.Labels[name]; l != "" {
				w := words{Label: l, Required: problemWords("required", "", l, p)}
				if p.Format == "email" {
					w.Email = problemWords("invalid_email", "", l, p)
				}
				out[f] = w
			}
			walk(out, f, p)
		}
		walk(out, at+"[]", s.Items)
	}
	for _, op := range generatedContract().Operations {
		if op.Body == nil {
			continue
		}
		out := map[string]words{}
		for _, m := range op.Body.Content {
			if contract.IsJSON(m.Type) {
				walk(out, "", m.Schema)
			}
		}
		if len(out) > 0 {
			all[op.Method+" "+op.Path] = out
		}
	}
	b, _ := json.MarshalIndent(all, "", "  ") // maps of strings: cannot fail
	return append([]byte("// What each request's fields are called when left empty or mistyped, from\n"+
		"// openapi.yaml's x-labels (go test ./internal/web -run ShippedModules\n"+
		"// -update writes it from httpapi.ProblemsJS): do not edit.\n"+
		"export default "), append(b, ";\n"...)...)
}
