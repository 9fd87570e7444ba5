package httpapi

import "testing"

func TestSpec(t *testing.T) {
	a, err := Spec()
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if b, _ := Spec(); a != b {
		t.Fatal("Spec parsed the document twice")
	}
	if a.Paths.Find("/holders/me") == nil {
		t.Fatal("the embedded document lacks /holders/me")
	}
}
