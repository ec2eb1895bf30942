package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	libconfig "github.com/eventai/eventai/libs/config"
)

func TestDefaultIsValid(t *testing.T) {
	require.NoError(t, Default().Validate())
}

func TestValidateNamesEveryBadSetting(t *testing.T) {
	c := Default()
	c.HTTPAddr = ""
	c.KafkaBrokers = nil
	c.JWKSURL = "not a url"
	c.LLMBaseURL = "nope"
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"http_addr", "kafka_brokers", "jwks_url", "llm_base_url"} {
		require.Contains(t, err.Error(), want)
	}
}

func TestLLMSettingsComeFromUnprefixedEnvAndKeyIsMasked(t *testing.T) {
	t.Setenv("LLM_BASE_URL", "http://127.0.0.1:11434/v1")
	t.Setenv("LLM_API_KEY", "sk-secret")
	t.Setenv("SUGGESTION_LLM_TIMEOUT", "3s")
	c := Default()
	require.NoError(t, libconfig.Load("SUGGESTION", &c))
	require.Equal(t, "http://127.0.0.1:11434/v1", c.LLMBaseURL)
	require.Equal(t, "sk-secret", c.LLMAPIKey)
	require.Equal(t, "3s", c.LLMTimeout.String())
	require.NotContains(t, libconfig.Masked(c), "sk-secret")
	require.NotEqual(t, "sk-secret", libconfig.Masked(c)["llm_api_key"])
}
