package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultIsValid(t *testing.T) {
	require.NoError(t, Default().Validate())
}

func TestValidateNamesEveryBadSetting(t *testing.T) {
	c := Default()
	c.HTTPAddr = ""
	c.KafkaBrokers = nil
	c.JWKSURL = "not a url"
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"http_addr", "kafka_brokers", "jwks_url"} {
		require.Contains(t, err.Error(), want)
	}
}
