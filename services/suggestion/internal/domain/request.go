package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Modes of a suggestion request.
const (
	ModePlan          = "plan"
	ModeAssign        = "assign"
	ModePlanAndAssign = "plan_and_assign"
)

// Time limits of a solve.
const (
	DefaultTimeLimit = 5 * time.Second
	MaxTimeLimit     = 60 * time.Second
	MinTimeLimit     = 10 * time.Millisecond
	// AsyncAbove is the time limit above which the request answers 202 at once and the solve
	// runs in the background (a client should not hold a connection for a minute).
	AsyncAbove = 10 * time.Second
	// MaxStaffIDs bounds the staff_ids list.
	MaxStaffIDs = 5000
)

// Request is a validated suggestion request.
type Request struct {
	Mode      string
	StaffIDs  []uuid.UUID // nil: every active staff member of the company
	TimeLimit time.Duration
	Seed      uint64
}

// Plans reports whether the mode drafts tasks.
func (r Request) Plans() bool { return r.Mode == ModePlan || r.Mode == ModePlanAndAssign }

// Assigns reports whether the mode staffs tasks.
func (r Request) Assigns() bool { return r.Mode == ModeAssign || r.Mode == ModePlanAndAssign }

// Async reports whether the solve runs in the background.
func (r Request) Async() bool { return r.TimeLimit > AsyncAbove }

// RawRequest is the request body as decoded, before validation.
type RawRequest struct {
	Mode        *string   `json:"mode"`
	StaffIDs    *[]string `json:"staff_ids"`
	TimeLimitMS *int64    `json:"time_limit_ms"`
	Seed        *uint64   `json:"seed"`
}

// Validate checks every field and answers the request with its defaults filled in.
func (raw RawRequest) Validate() (Request, error) {
	req := Request{Mode: ModePlanAndAssign, TimeLimit: DefaultTimeLimit}
	var errs []FieldError
	if raw.Mode != nil {
		switch *raw.Mode {
		case ModePlan, ModeAssign, ModePlanAndAssign:
			req.Mode = *raw.Mode
		default:
			errs = append(errs, FieldError{"mode", "must be plan, assign or plan_and_assign"})
		}
	}
	if raw.TimeLimitMS != nil {
		// Compare in milliseconds: a huge value multiplied into a Duration first would wrap
		// around int64 and could land inside the range.
		ms := *raw.TimeLimitMS
		if ms < MinTimeLimit.Milliseconds() || ms > MaxTimeLimit.Milliseconds() {
			errs = append(errs, FieldError{"time_limit_ms", fmt.Sprintf("must be between %d and %d", MinTimeLimit.Milliseconds(), MaxTimeLimit.Milliseconds())})
		} else {
			req.TimeLimit = time.Duration(ms) * time.Millisecond
		}
	}
	if raw.Seed != nil {
		req.Seed = *raw.Seed
	}
	if raw.StaffIDs != nil {
		ids := *raw.StaffIDs
		if len(ids) > MaxStaffIDs {
			errs = append(errs, FieldError{"staff_ids", fmt.Sprintf("at most %d ids", MaxStaffIDs)})
		}
		seen := make(map[uuid.UUID]bool, len(ids))
		req.StaffIDs = make([]uuid.UUID, 0, len(ids))
		for i, s := range ids {
			id, err := uuid.Parse(s)
			switch {
			case err != nil:
				errs = append(errs, FieldError{fmt.Sprintf("staff_ids[%d]", i), "must be a UUID"})
			case seen[id]:
				errs = append(errs, FieldError{fmt.Sprintf("staff_ids[%d]", i), "is listed twice"})
			default:
				seen[id] = true
				req.StaffIDs = append(req.StaffIDs, id)
			}
		}
	}
	if len(errs) > 0 {
		return Request{}, &ValidationError{Fields: errs}
	}
	return req, nil
}
