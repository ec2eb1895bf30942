package planner

import (
	"reflect"
	"testing"
)

// checkPlan asserts what every plan must satisfy.
func checkPlan(t *testing.T, in Input, drafts []TaskDraft) {
	t.Helper()
	if err := ValidateDrafts(in.Event, drafts); err != nil {
		t.Fatalf("plan fails its own validation: %v", err)
	}
	again, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(drafts, again) {
		t.Fatal("plan is not deterministic")
	}
	for _, d := range drafts {
		if !d.End.After(d.Start) {
			t.Fatalf("%s: end %v not after start %v", d.SlotGroup, d.End, d.Start)
		}
		if d.End.Sub(d.Start) > ShiftLength && d.SessionExternalID == "" {
			t.Errorf("%s: %v is longer than a shift", d.SlotGroup, d.End.Sub(d.Start))
		}
	}
}
