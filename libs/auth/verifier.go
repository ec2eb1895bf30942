package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
)

// Verifier defaults.
const (
	// Leeway tolerates clock skew between identity and the verifying process.
	Leeway = 30 * time.Second
	// MinRefetch bounds how often an unknown kid can trigger a JWKS fetch, so a flood of
	// forged kids cannot turn into a flood of requests to identity.
	MinRefetch = 10 * time.Second
	// maxKeyAge makes the cache pick up retired keys even without an unknown kid.
	maxKeyAge = time.Hour
)

// KeySource returns the current key set; NewVerifier fetches it over HTTP, the identity service
// passes its own keys.
type KeySource func(ctx context.Context) (JWKS, error)

// Verifier checks access and refresh tokens against the keys of a JWKS.
type Verifier struct {
	source KeySource
	parser *jwt.Parser

	group singleflight.Group
	now   func() time.Time

	mu        sync.RWMutex
	keys      map[string]ed25519.PublicKey
	fetchedAt time.Time // last attempt, successful or not
	loadedAt  time.Time // last success
}

// NewVerifier returns a Verifier that fetches keys from jwksURL with client (nil: a client with
// a 5 s timeout), caches them and refetches on an unknown kid at most every MinRefetch.
func NewVerifier(jwksURL, issuer, audience string, client *http.Client) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return NewVerifierWithSource(HTTPKeySource(jwksURL, client), issuer, audience)
}

// NewVerifierWithSource is NewVerifier with keys from src.
func NewVerifierWithSource(src KeySource, issuer, audience string) *Verifier {
	return &Verifier{
		source: src,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
		),
		now:  time.Now,
		keys: map[string]ed25519.PublicKey{},
	}
}

// HTTPKeySource fetches a JWKS document from url.
func HTTPKeySource(url string, client *http.Client) KeySource {
	return func(ctx context.Context) (JWKS, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return JWKS{}, fmt.Errorf("jwks request %s: %w", url, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return JWKS{}, fmt.Errorf("fetch jwks %s: %w", url, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return JWKS{}, fmt.Errorf("fetch jwks %s: status %d", url, resp.StatusCode)
		}
		var set JWKS
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
			return JWKS{}, fmt.Errorf("decode jwks %s: %w", url, err)
		}
		return set, nil
	}
}

// Verify parses raw and returns its claims when the signature, alg, iss, aud, exp, iat and typ
// (== wantType) all check out. Every failure wraps ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, raw, wantType string) (*Claims, error) {
	var c Claims
	tok, err := v.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, fmt.Errorf("no kid")
		}
		return v.key(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if !tok.Valid {
		return nil, fmt.Errorf("%w: not valid", ErrInvalidToken)
	}
	if c.Type != wantType {
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrInvalidToken, c.Type, wantType)
	}
	if c.Subject == "" || c.ID == "" {
		return nil, fmt.Errorf("%w: sub and jti required", ErrInvalidToken)
	}
	return &c, nil
}

// Ready reports whether keys can be loaded (for /readyz of verifying services).
func (v *Verifier) Ready(ctx context.Context) error {
	v.mu.RLock()
	n := len(v.keys)
	v.mu.RUnlock()
	if n > 0 {
		return nil
	}
	_, err := v.refresh(ctx, true)
	return err
}

// key returns the public key for kid, refetching the set when kid is unknown (rate limited) or
// the cache is old.
func (v *Verifier) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	v.mu.RLock()
	k, ok := v.keys[kid]
	stale := v.now().Sub(v.loadedAt) > maxKeyAge
	v.mu.RUnlock()
	if ok && !stale {
		return k, nil
	}
	keys, err := v.refresh(ctx, stale)
	if err != nil && !ok {
		return nil, err
	}
	if nk, found := keys[kid]; found {
		return nk, nil
	}
	if ok && err != nil {
		// Identity unreachable: keep trusting the key we already had.
		return k, nil
	}
	return nil, fmt.Errorf("unknown kid %q", kid)
}

// refresh fetches the key set unless the last attempt was less than MinRefetch ago (force skips
// that limit only when the cache is empty or stale). Concurrent callers share one fetch.
func (v *Verifier) refresh(ctx context.Context, force bool) (map[string]ed25519.PublicKey, error) {
	v.mu.RLock()
	recent := v.now().Sub(v.fetchedAt) < MinRefetch
	cur := v.keys
	v.mu.RUnlock()
	if recent && !(force && len(cur) == 0) {
		return cur, nil
	}
	res, err, _ := v.group.Do("jwks", func() (any, error) {
		// Detach from the caller's cancellation: the result serves every waiter.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		set, err := v.source(fctx)
		v.mu.Lock()
		defer v.mu.Unlock()
		v.fetchedAt = v.now()
		if err != nil {
			return v.keys, err
		}
		keys := make(map[string]ed25519.PublicKey, len(set.Keys))
		for _, k := range set.Keys {
			pub, perr := k.PublicKey()
			if perr != nil || k.Kid == "" {
				continue // foreign key types are ignored, not fatal
			}
			keys[k.Kid] = pub
		}
		v.keys = keys
		v.loadedAt = v.fetchedAt
		return keys, nil
	})
	keys, _ := res.(map[string]ed25519.PublicKey)
	return keys, err
}
