package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	libconfig "github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/services/identity/internal/config"
)

func TestLoadFromEnv(t *testing.T) {
	t.Setenv("IDENTITY_HTTP_ADDR", ":9999")
	t.Setenv("DATABASE_URL", "postgres://u:secret@db/x")
	t.Setenv("EVENTAI_ADMIN_USERNAME", "root")
	t.Setenv("EVENTAI_ADMIN_EMAIL", "root@example.com")
	t.Setenv("EVENTAI_ADMIN_PASSWORD", "s3cret-pass")
	t.Setenv("IDENTITY_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1/32")
	c := config.Default()
	require.NoError(t, libconfig.Load("IDENTITY", &c))
	require.NoError(t, c.Validate())
	require.Equal(t, ":9999", c.HTTPAddr)
	require.Equal(t, "root", c.AdminUsername)
	require.Equal(t, []string{"10.0.0.0/8", "127.0.0.1/32"}, c.TrustedProxies)
	m := libconfig.Masked(c)
	require.NotContains(t, m["eventai_admin_password"], "s3cret")
	require.NotContains(t, m["database_url"], "secret")
}

func TestValidate(t *testing.T) {
	c := config.Default()
	require.NoError(t, c.Validate())
	c.AdminUsername = "root" // without email and password
	c.TrustedProxies = []string{"nope"}
	err := c.Validate()
	require.ErrorContains(t, err, "EVENTAI_ADMIN_PASSWORD")
	require.ErrorContains(t, err, "trusted_proxies")
}
