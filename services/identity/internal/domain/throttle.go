package domain

import (
	"math"
	"time"
)

// ThrottlePolicy decides when repeated login failures for one key (an account or a client
// address) block further attempts: after Threshold failures within Window, each further
// failure doubles the block, from Base up to Max.
type ThrottlePolicy struct {
	Threshold int
	Base      time.Duration
	Max       time.Duration
	Window    time.Duration
}

// ThrottleState is what is kept per key.
type ThrottleState struct {
	Failures     int
	LastFailure  time.Time
	BlockedUntil time.Time
}

// RetryAfter is how long the key must wait at now (0: may try).
func (p ThrottlePolicy) RetryAfter(s ThrottleState, now time.Time) time.Duration {
	if now.Before(s.BlockedUntil) {
		return s.BlockedUntil.Sub(now)
	}
	return 0
}

// Fail returns the state after one more failure at now.
func (p ThrottlePolicy) Fail(s ThrottleState, now time.Time) ThrottleState {
	if !s.LastFailure.IsZero() && now.Sub(s.LastFailure) > p.Window {
		s = ThrottleState{} // old failures are forgiven
	}
	s.Failures++
	s.LastFailure = now
	if s.Failures >= p.Threshold {
		exp := s.Failures - p.Threshold
		d := p.Max
		if exp < 30 {
			d = time.Duration(math.Min(float64(p.Base)*math.Pow(2, float64(exp)), float64(p.Max)))
		}
		s.BlockedUntil = now.Add(d)
	}
	return s
}
