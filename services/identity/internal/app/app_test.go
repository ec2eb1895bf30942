package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/services/identity/internal/app"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/password"
	"github.com/eventai/eventai/services/identity/internal/store/storetest"
)

const (
	iss = "eventai-identity"
	aud = "eventai"
)

func TestKeysFromFile(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))

	keys, err := app.LoadKeys(context.Background(), nil, file, iss, aud)
	require.NoError(t, err)
	require.Equal(t, auth.KeyID(pub), keys.Signer.KeyID())
	set, err := keys.Source(context.Background())
	require.NoError(t, err)
	require.Len(t, set.Keys, 1)
	got, err := set.Keys[0].PublicKey()
	require.NoError(t, err)
	require.Equal(t, pub, got)

	require.NoError(t, os.WriteFile(file, []byte("not pem"), 0o600))
	_, err = app.LoadKeys(context.Background(), nil, file, iss, aud)
	require.Error(t, err)
}

func TestStoredKeysRotate(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	first, err := app.LoadKeys(ctx, s, "", iss, aud)
	require.NoError(t, err)
	again, err := app.LoadKeys(ctx, s, "", iss, aud)
	require.NoError(t, err)
	require.Equal(t, first.Signer.KeyID(), again.Signer.KeyID(), "a restart keeps the key")

	p := auth.Principal{Role: auth.RoleStaff, Username: "x"}
	old, _, err := first.Signer.Issue(auth.TypeAccess, p, time.Minute)
	require.NoError(t, err)

	// An operator rotates: a newer key is added; the old one stays published until retired.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO signing_keys (kid, private_key, created_at) VALUES ('k2', $1, now() + interval '1 second')`, der)
	require.NoError(t, err)
	rotated, err := app.LoadKeys(ctx, s, "", iss, aud)
	require.NoError(t, err)
	require.Equal(t, "k2", rotated.Signer.KeyID())
	set, err := rotated.Source(ctx)
	require.NoError(t, err)
	require.Len(t, set.Keys, 2)

	v := auth.NewVerifierWithSource(rotated.Source, iss, aud)
	_, err = v.Verify(ctx, old, auth.TypeAccess)
	require.NoError(t, err, "tokens of the previous key still verify")

	_, err = pool.Exec(ctx, `UPDATE signing_keys SET retired_at = now() WHERE kid = $1`, first.Signer.KeyID())
	require.NoError(t, err)
	set, err = rotated.Source(ctx)
	require.NoError(t, err)
	require.Len(t, set.Keys, 1)
	v = auth.NewVerifierWithSource(rotated.Source, iss, aud)
	_, err = v.Verify(ctx, old, auth.TypeAccess)
	require.ErrorIs(t, err, auth.ErrInvalidToken, "a retired key is no longer trusted")
}

// BenchmarkLoginKnownVsUnknown prints the cost of a failed login for an existing account and for
// an unknown one with the production argon2id parameters; they should be about equal.
func BenchmarkLoginKnownVsUnknown(b *testing.B) {
	s, _ := storetest.New(b)
	ctx := context.Background()
	keys, err := app.LoadKeys(ctx, s, "", iss, aud)
	require.NoError(b, err)
	h, err := password.NewHasher(password.OWASP, 2)
	require.NoError(b, err)
	opt := app.DefaultOptions()
	opt.AccountThrottle.Threshold, opt.IPThrottle.Threshold = 1<<30, 1<<30
	a := app.New(s, h, keys.Signer, auth.NewVerifierWithSource(keys.Source, iss, aud), nil, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	_, err = a.CreateUser(ctx, domain.NewUser{Username: "known", Email: "known@example.com", Password: "the-password", Role: domain.RoleStaff})
	require.NoError(b, err)
	for _, login := range []string{"known", "unknown"} {
		b.Run(login, func(b *testing.B) {
			for b.Loop() {
				_, err := a.Login(ctx, login, "wrong-password", "127.0.0.1")
				require.ErrorIs(b, err, domain.ErrInvalidCredentials)
			}
		})
	}
}
