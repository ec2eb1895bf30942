package password_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/eventai/eventai/services/identity/internal/password"
)

func TestHashAndVerify(t *testing.T) {
	h, err := password.NewHasher(password.OWASP, 2)
	require.NoError(t, err)
	ctx := context.Background()

	phc, err := h.Hash(ctx, "correct horse")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$"), phc)

	// Recompute the key independently from the PHC fields.
	parts := strings.Split(phc, "$")
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	require.NoError(t, err)
	want := argon2.IDKey([]byte("correct horse"), salt, 2, 19*1024, 1, 32)
	require.Equal(t, base64.RawStdEncoding.EncodeToString(want), parts[5])

	ok, err := h.Verify(ctx, "correct horse", phc)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = h.Verify(ctx, "correct horsE", phc)
	require.NoError(t, err)
	require.False(t, ok)

	other, err := h.Hash(ctx, "correct horse")
	require.NoError(t, err)
	require.NotEqual(t, phc, other, "salts differ")
}

func TestVerifyMalformed(t *testing.T) {
	h, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	require.NoError(t, err)
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		_, err := h.Verify(context.Background(), "x", bad)
		require.ErrorIs(t, err, password.ErrMalformed, bad)
	}
}

func BenchmarkVerifyOWASP(b *testing.B) {
	h, err := password.NewHasher(password.OWASP, 2)
	require.NoError(b, err)
	phc, err := h.Hash(context.Background(), "correct horse")
	require.NoError(b, err)
	b.ResetTimer()
	for b.Loop() {
		_, _ = h.Verify(context.Background(), "correct horse", phc)
	}
}
