package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultIsValid(t *testing.T) {
	require.NoError(t, Default().Validate())
}

func TestValidateRejects(t *testing.T) {
	tests := map[string]func(*Config){
		"wildcard origin":  func(c *Config) { c.CORSOrigins = "http://a.example, *" },
		"origin with path": func(c *Config) { c.CORSOrigins = "http://a.example/app" },
		"bad upstream":     func(c *Config) { c.TaskURL = "ftp://x" },
		"no jwks":          func(c *Config) { c.JWKSURL = "" },
		"zero rate":        func(c *Config) { c.RateLimit = 0 },
		"zero timeout":     func(c *Config) { c.UpstreamTimeout = 0 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			mutate(&c)
			assert.Error(t, c.Validate())
		})
	}
}

func TestEmptyUpstreamAllowed(t *testing.T) {
	c := Default()
	c.SuggestionURL = ""
	require.NoError(t, c.Validate())
	assert.Equal(t, []string{"http://a.example", "https://b.example:8443"},
		Config{CORSOrigins: " http://a.example ,,https://b.example:8443"}.Origins())
}
