package auth

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Default lifetimes of CONVENTIONS.md.
const (
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 7 * 24 * time.Hour
)

// Signer signs tokens with one Ed25519 key identified by kid. Only the identity service has one.
type Signer struct {
	key      ed25519.PrivateKey
	kid      string
	issuer   string
	audience string
	now      func() time.Time
}

// NewSigner returns a Signer for key, publishing kid in every token header.
func NewSigner(key ed25519.PrivateKey, kid, issuer, audience string) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("signer: ed25519 private key required")
	}
	if kid == "" || issuer == "" || audience == "" {
		return nil, errors.New("signer: kid, issuer and audience are required")
	}
	return &Signer{key: key, kid: kid, issuer: issuer, audience: audience, now: time.Now}, nil
}

// KeyID is the kid of the signing key.
func (s *Signer) KeyID() string { return s.kid }

// PublicKey is the verification half of the signing key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign signs c as it is (no defaults applied); tests use it to craft edge cases.
func (s *Signer) Sign(c *Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.kid
	raw, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign %s token: %w", c.Type, err)
	}
	return raw, nil
}

// Issue signs a token of type typ for p valid for ttl, with a fresh jti. It returns the raw token
// and its claims (the caller stores the refresh jti).
func (s *Signer) Issue(typ string, p Principal, ttl time.Duration) (string, *Claims, error) {
	now := s.now().UTC().Truncate(time.Second)
	c := &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   p.UserID.String(),
			Audience:  jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
		Type:     typ,
		Role:     p.Role,
		Username: p.Username,
	}
	raw, err := s.Sign(c)
	if err != nil {
		return "", nil, err
	}
	return raw, c, nil
}
