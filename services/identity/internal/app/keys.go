package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/services/identity/internal/store"
)

// Keys is the signing key in use and the key set to publish.
type Keys struct {
	Signer *auth.Signer
	Source auth.KeySource
}

// LoadKeys reads the Ed25519 key from file (PEM PKCS#8) when file is set; otherwise it uses the
// newest key of the signing_keys table, generating the first one (under an advisory lock, so
// replicas agree). The JWKS then lists every non-retired stored key.
func LoadKeys(ctx context.Context, s *store.Store, file, issuer, audience string) (Keys, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return Keys{}, fmt.Errorf("read signing key: %w", err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return Keys{}, fmt.Errorf("signing key %s: no PEM block", file)
		}
		priv, err := parseKey(blk.Bytes)
		if err != nil {
			return Keys{}, fmt.Errorf("signing key %s: %w", file, err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		signer, err := auth.NewSigner(priv, auth.KeyID(pub), issuer, audience)
		if err != nil {
			return Keys{}, err
		}
		set := auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, signer.KeyID())}}
		return Keys{Signer: signer, Source: func(context.Context) (auth.JWKS, error) { return set, nil }}, nil
	}

	k, err := s.EnsureSigningKey(ctx, func() (store.SigningKey, error) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return store.SigningKey{}, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return store.SigningKey{}, err
		}
		return store.SigningKey{KID: auth.KeyID(pub), DER: der}, nil
	})
	if err != nil {
		return Keys{}, err
	}
	priv, err := parseKey(k.DER)
	if err != nil {
		return Keys{}, fmt.Errorf("stored signing key %s: %w", k.KID, err)
	}
	signer, err := auth.NewSigner(priv, k.KID, issuer, audience)
	if err != nil {
		return Keys{}, err
	}
	src := func(ctx context.Context) (auth.JWKS, error) {
		keys, err := s.ActiveKeys(ctx)
		if err != nil {
			return auth.JWKS{}, err
		}
		set := auth.JWKS{Keys: make([]auth.JWK, 0, len(keys))}
		for _, k := range keys {
			p, err := parseKey(k.DER)
			if err != nil {
				return auth.JWKS{}, fmt.Errorf("stored signing key %s: %w", k.KID, err)
			}
			set.Keys = append(set.Keys, auth.PublicJWK(p.Public().(ed25519.PublicKey), k.KID))
		}
		return set, nil
	}
	return Keys{Signer: signer, Source: src}, nil
}

func parseKey(der []byte) (ed25519.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want Ed25519", k)
	}
	return priv, nil
}
