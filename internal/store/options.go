package store

import "time"

// Option sets what a store needs beyond its table.
type Option func(*options)

type options struct {
	loc *time.Location // the association's time zone: the months of the office's figures
}

// In counts the office's figures (docs/dashboard.md) by the months of loc,
// the association's time zone; UTC without it.
func In(loc *time.Location) Option { return func(o *options) { o.loc = loc } }

func optionsOf(opts []Option) options {
	o := options{loc: time.UTC}
	for _, f := range opts {
		f(&o)
	}
	if o.loc == nil {
		o.loc = time.UTC
	}
	return o
}
