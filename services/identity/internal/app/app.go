// Package app holds identity's use cases: registration, login, token rotation, profiles and the
// admin's user management. It orchestrates the domain, the store, hashing and signing.
package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/password"
	"github.com/eventai/eventai/services/identity/internal/store"
)

// Flusher pushes committed outbox rows to Kafka (outbox.Relay).
type Flusher interface {
	Flush(ctx context.Context) error
}

// CatchUp waits until the consumer has applied everything published so far (consumer.Consumer).
type CatchUp interface {
	WaitCaughtUp(ctx context.Context) error
}

// Options are the tunables of the use cases.
type Options struct {
	AccessTTL       time.Duration
	RefreshTTL      time.Duration
	AccountThrottle domain.ThrottlePolicy
	IPThrottle      domain.ThrottlePolicy
}

// DefaultOptions: CONVENTIONS.md lifetimes; an account is slowed after 5 failures, an address
// (which may be a whole office behind NAT) after 20.
func DefaultOptions() Options {
	return Options{
		AccessTTL:       auth.AccessTTL,
		RefreshTTL:      auth.RefreshTTL,
		AccountThrottle: domain.ThrottlePolicy{Threshold: 5, Base: time.Second, Max: 15 * time.Minute, Window: 15 * time.Minute},
		IPThrottle:      domain.ThrottlePolicy{Threshold: 20, Base: time.Second, Max: 15 * time.Minute, Window: 15 * time.Minute},
	}
}

// Service implements the use cases.
type Service struct {
	store     *store.Store
	hasher    *password.Hasher
	signer    *auth.Signer
	verifier  *auth.Verifier
	relay     Flusher
	companies CatchUp
	log       *slog.Logger
	opt       Options
	now       func() time.Time
}

// New wires a Service.
func New(s *store.Store, h *password.Hasher, signer *auth.Signer, v *auth.Verifier, relay Flusher, companies CatchUp, log *slog.Logger, opt Options) *Service {
	return &Service{store: s, hasher: h, signer: signer, verifier: v, relay: relay, companies: companies, log: log, opt: opt, now: time.Now}
}

// RateLimitedError says how long a throttled login must wait.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed logins; retry after %s", e.RetryAfter)
}

// ErrSelfDelete refuses an admin deleting their own account (it could leave no admin at all).
var ErrSelfDelete = errors.New("you cannot delete your own account")

// Tokens is the answer of register, login and refresh.
type Tokens struct {
	Access    string
	Refresh   string
	ExpiresIn int // seconds until the access token expires
	User      domain.User
}

// flush publishes the events just committed so that readers in other services see them before
// the response returns. A failure is logged only: the rows are committed and the relay retries.
func (s *Service) flush(ctx context.Context) {
	if s.relay == nil {
		return // no Kafka wired (tools and benchmarks): rows wait for a relay
	}
	fctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.relay.Flush(fctx); err != nil {
		s.log.WarnContext(ctx, "outbox flush", "err", err)
	}
}

func jtiHash(jti string) []byte {
	h := sha256.Sum256([]byte(jti))
	return h[:]
}

func principalOf(u domain.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Role: u.Role, Username: u.Username}
}

func (s *Service) access(u domain.User) (string, error) {
	raw, _, err := s.signer.Issue(auth.TypeAccess, principalOf(u), s.opt.AccessTTL)
	return raw, err
}

// newSession issues an access token and the first refresh token of a new family.
func (s *Service) newSession(ctx context.Context, u domain.User) (Tokens, error) {
	acc, err := s.access(u)
	if err != nil {
		return Tokens{}, err
	}
	ref, c, err := s.signer.Issue(auth.TypeRefresh, principalOf(u), s.opt.RefreshTTL)
	if err != nil {
		return Tokens{}, err
	}
	if err := s.store.AddRefresh(ctx, jtiHash(c.ID), uuid.New(), u.ID, c.ExpiresAt.Time); err != nil {
		return Tokens{}, err
	}
	return Tokens{Access: acc, Refresh: ref, ExpiresIn: int(s.opt.AccessTTL.Seconds()), User: u}, nil
}

// RegisterInput is the self-registration body; it has no role or company fields on purpose.
type RegisterInput struct {
	Username, Email, Password, FullName string
}

// Register creates a staff account and signs it in.
func (s *Service) Register(ctx context.Context, in RegisterInput) (Tokens, error) {
	u, err := s.create(ctx, domain.NewUser{Username: in.Username, Email: in.Email, Password: in.Password,
		FullName: in.FullName, Role: domain.RoleStaff})
	if err != nil {
		return Tokens{}, err
	}
	return s.newSession(ctx, u)
}

// create validates, hashes and stores a new user; unknown company ids get one wait for the
// company read model to catch up before they are refused.
func (s *Service) create(ctx context.Context, n domain.NewUser) (domain.User, error) {
	u, err := n.Validate()
	if err != nil {
		return domain.User{}, err
	}
	if u.PasswordHash, err = s.hasher.Hash(ctx, n.Password); err != nil {
		return domain.User{}, fmt.Errorf("hash password: %w", err)
	}
	out, err := s.withCompanies(ctx, func() (domain.User, error) { return s.store.CreateUser(ctx, u) })
	if err != nil {
		return domain.User{}, err
	}
	s.flush(ctx)
	return out, nil
}

func (s *Service) withCompanies(ctx context.Context, fn func() (domain.User, error)) (domain.User, error) {
	u, err := fn()
	var uc *domain.UnknownCompaniesError
	if !errors.As(err, &uc) || s.companies == nil {
		return u, err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if werr := s.companies.WaitCaughtUp(wctx); werr != nil {
		s.log.WarnContext(ctx, "wait for company read model", "err", werr)
	}
	return fn()
}

func throttleKeys(login, ip string) (acct, addr string) {
	return "acct:" + strings.ToLower(strings.TrimSpace(login)), "ip:" + ip
}

// Login checks the credentials of login (username or email) from client address ip. Unknown
// users, wrong passwords and accounts that may not sign in all give ErrInvalidCredentials after
// the same amount of hashing work.
func (s *Service) Login(ctx context.Context, login, pw, ip string) (Tokens, error) {
	acct, addr := throttleKeys(login, ip)
	now := s.now()
	wait, err := s.store.ThrottleWait(ctx, s.opt.AccountThrottle, []string{acct}, now)
	if err != nil {
		return Tokens{}, err
	}
	ipWait, err := s.store.ThrottleWait(ctx, s.opt.IPThrottle, []string{addr}, now)
	if err != nil {
		return Tokens{}, err
	}
	if w := max(wait, ipWait); w > 0 {
		return Tokens{}, &RateLimitedError{RetryAfter: w}
	}

	u, err := s.store.GetByLogin(ctx, strings.TrimSpace(login))
	ok := false
	switch {
	case errors.Is(err, domain.ErrNotFound):
		s.hasher.VerifyDummy(ctx, pw)
	case err != nil:
		return Tokens{}, err
	default:
		ok, err = s.hasher.Verify(ctx, pw, u.PasswordHash)
		if err != nil {
			return Tokens{}, fmt.Errorf("verify password of %s: %w", u.ID, err)
		}
		ok = ok && u.CanSignIn()
	}
	if !ok {
		fails := map[string]domain.ThrottlePolicy{acct: s.opt.AccountThrottle, addr: s.opt.IPThrottle}
		if u.ID != uuid.Nil {
			// Count against both names of the account, so that alternating username and email
			// does not double the guesses an attacker gets.
			for _, alias := range []string{u.Username, u.Email} {
				k, _ := throttleKeys(alias, ip)
				fails[k] = s.opt.AccountThrottle
			}
		}
		if err := s.store.ThrottleFail(ctx, fails, s.now()); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, domain.ErrInvalidCredentials
	}
	for _, alias := range []string{u.Username, u.Email} {
		k, _ := throttleKeys(alias, ip)
		if err := s.store.ThrottleReset(ctx, k); err != nil {
			return Tokens{}, err
		}
	}
	return s.newSession(ctx, u)
}

// Refresh rotates a refresh token: the presented one is revoked and a new pair is issued in the
// same family. Presenting a revoked token revokes the family.
func (s *Service) Refresh(ctx context.Context, raw string) (Tokens, error) {
	c, err := s.verifier.Verify(ctx, raw, auth.TypeRefresh)
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: %w", domain.ErrInvalidToken, err)
	}
	var ref string
	u, err := s.store.RotateRefresh(ctx, jtiHash(c.ID), func(u domain.User) (store.Minted, error) {
		r, nc, err := s.signer.Issue(auth.TypeRefresh, principalOf(u), s.opt.RefreshTTL)
		if err != nil {
			return store.Minted{}, err
		}
		ref = r
		return store.Minted{JTIHash: jtiHash(nc.ID), ExpiresAt: nc.ExpiresAt.Time}, nil
	})
	if err != nil {
		if errors.Is(err, store.ErrTokenReused) {
			s.log.WarnContext(ctx, "refresh token reuse; family revoked", "user_id", c.Subject)
		}
		return Tokens{}, err
	}
	acc, err := s.access(u)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Access: acc, Refresh: ref, ExpiresIn: int(s.opt.AccessTTL.Seconds()), User: u}, nil
}

// Logout revokes the family of a refresh token.
func (s *Service) Logout(ctx context.Context, raw string) error {
	c, err := s.verifier.Verify(ctx, raw, auth.TypeRefresh)
	if err != nil {
		return fmt.Errorf("%w: %w", domain.ErrInvalidToken, err)
	}
	return s.store.RevokeFamilyOf(ctx, jtiHash(c.ID))
}

// Me returns the caller's profile.
func (s *Service) Me(ctx context.Context, id uuid.UUID) (domain.User, error) {
	return s.store.GetUser(ctx, id)
}

// MePatch is what users may change about themselves.
type MePatch struct {
	FullName        *string
	Availability    *[]domain.Slot
	MaxHoursPerDay  *float64
	Password        *string
	CurrentPassword *string
	Version         *int64
}

// UpdateMe changes the caller's own profile; a new password needs the current one.
func (s *Service) UpdateMe(ctx context.Context, id uuid.UUID, in MePatch) (domain.User, error) {
	p := domain.Patch{FullName: in.FullName, Availability: in.Availability, MaxHoursPerDay: in.MaxHoursPerDay,
		Password: in.Password, Version: in.Version}
	var newHash string
	if in.Password != nil {
		cur, err := s.store.GetUser(ctx, id)
		if err != nil {
			return domain.User{}, err
		}
		// Validate first so a bad new password is reported without spending a hash.
		if err := p.Apply(&cur); err != nil {
			return domain.User{}, err
		}
		if in.CurrentPassword == nil {
			return domain.User{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "current_password", Message: "is required to change the password"}}}
		}
		// Guesses of the current password share the account's login throttle, so that a
		// stolen access token is not an unlimited password oracle.
		var keys []string
		for _, alias := range []string{cur.Username, cur.Email} {
			k, _ := throttleKeys(alias, "")
			keys = append(keys, k)
		}
		wait, err := s.store.ThrottleWait(ctx, s.opt.AccountThrottle, keys, s.now())
		if err != nil {
			return domain.User{}, err
		}
		if wait > 0 {
			return domain.User{}, &RateLimitedError{RetryAfter: wait}
		}
		ok, err := s.hasher.Verify(ctx, *in.CurrentPassword, cur.PasswordHash)
		if err != nil {
			return domain.User{}, fmt.Errorf("verify password of %s: %w", id, err)
		}
		if !ok {
			fails := map[string]domain.ThrottlePolicy{}
			for _, k := range keys {
				fails[k] = s.opt.AccountThrottle
			}
			if err := s.store.ThrottleFail(ctx, fails, s.now()); err != nil {
				return domain.User{}, err
			}
			return domain.User{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "current_password", Message: "does not match your password"}}}
		}
		if newHash, err = s.hasher.Hash(ctx, *in.Password); err != nil {
			return domain.User{}, fmt.Errorf("hash password: %w", err)
		}
	}
	u, err := s.store.UpdateUser(ctx, id, func(u *domain.User) error {
		if err := p.Apply(u); err != nil {
			return err
		}
		if newHash != "" {
			u.PasswordHash = newHash
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	s.flush(ctx)
	return u, nil
}

// ListUsers lists users for the admin.
func (s *Service) ListUsers(ctx context.Context, f store.Filter) ([]domain.User, bool, error) {
	return s.store.ListUsers(ctx, f)
}

// GetUser returns one user for the admin.
func (s *Service) GetUser(ctx context.Context, id uuid.UUID) (domain.User, error) {
	return s.store.GetUser(ctx, id)
}

// CreateUser creates a user with any role (admin only).
func (s *Service) CreateUser(ctx context.Context, n domain.NewUser) (domain.User, error) {
	return s.create(ctx, n)
}

// ErrSelfLockout refuses an admin deactivating themselves or dropping their own admin role.
var ErrSelfLockout = errors.New("you cannot deactivate yourself or remove your own admin role")

// UpdateUser applies an admin's (actor's) partial update; a new password is hashed before the
// row lock.
func (s *Service) UpdateUser(ctx context.Context, actor, id uuid.UUID, p domain.Patch) (domain.User, error) {
	if actor == id && ((p.IsActive != nil && !*p.IsActive) || (p.Role != nil && *p.Role != domain.RoleAdmin)) {
		return domain.User{}, ErrSelfLockout
	}
	var newHash string
	if p.Password != nil {
		if m := domain.ValidatePassword(*p.Password); m != "" {
			return domain.User{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "password", Message: m}}}
		}
		var err error
		if newHash, err = s.hasher.Hash(ctx, *p.Password); err != nil {
			return domain.User{}, fmt.Errorf("hash password: %w", err)
		}
	}
	u, err := s.withCompanies(ctx, func() (domain.User, error) {
		return s.store.UpdateUser(ctx, id, func(u *domain.User) error {
			if err := p.Apply(u); err != nil {
				return err
			}
			if newHash != "" {
				u.PasswordHash = newHash
			}
			return nil
		})
	})
	if err != nil {
		return domain.User{}, err
	}
	s.flush(ctx)
	return u, nil
}

// DeleteUser soft-deletes a user; actor is the admin doing it. A non-nil version (If-Match) must
// be the user's current one.
func (s *Service) DeleteUser(ctx context.Context, actor, id uuid.UUID, version *int64) error {
	if actor == id {
		return ErrSelfDelete
	}
	if err := s.store.DeleteUser(ctx, id, version); err != nil {
		return err
	}
	s.flush(ctx)
	return nil
}

// Bootstrap creates the first admin from the given credentials when no active admin exists.
// It is idempotent and safe when several replicas start at once.
func (s *Service) Bootstrap(ctx context.Context, username, email, pw string) (bool, error) {
	u, err := domain.NewUser{Username: username, Email: email, Password: pw, Role: domain.RoleAdmin}.Validate()
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	if u.PasswordHash, err = s.hasher.Hash(ctx, pw); err != nil {
		return false, fmt.Errorf("bootstrap admin: hash: %w", err)
	}
	created, err := s.store.EnsureAdmin(ctx, u)
	if err != nil {
		return false, fmt.Errorf("bootstrap admin %s: %w", username, err)
	}
	if created {
		s.flush(ctx)
	}
	return created, nil
}
