package auth

import "time"

// SetClock replaces the verifier's clock (tests only).
func SetClock(v *Verifier, now func() time.Time) { v.now = now }
