// Package arch has no code of its own: its tests hold the layering that
// docs/architecture.md describes. Every package under internal/ is either a
// domain package (types, rules and services, free of AWS and HTTP types,
// reading the time only through an injected clock) or an edge package
// (adapters, wiring, the clock itself, the local stack).
package arch
