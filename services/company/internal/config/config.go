// Package config is the company service's typed settings (CONVENTIONS.md, prefix COMPANY_).
package config

import (
	"errors"

	libconfig "github.com/eventai/eventai/libs/config"
)

// Config is every setting of the company process: the settings every service shares and the JWKS
// its tokens are verified against.
type Config struct {
	libconfig.Service `mapstructure:",squash"`
	libconfig.JWKS    `mapstructure:",squash"`
}

// Default is the configuration of a local run.
func Default() Config {
	return Config{Service: libconfig.DefaultService(":8102"), JWKS: libconfig.DefaultJWKS()}
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error { return errors.Join(c.Service.Validate(), c.JWKS.Validate()) }
