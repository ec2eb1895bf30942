// Package config is the identity service's typed settings (CONVENTIONS.md, prefix IDENTITY_).
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	libconfig "github.com/eventai/eventai/libs/config"
)

// Config is every setting of the identity process.
type Config struct {
	libconfig.Service `mapstructure:",squash"`
	// SigningKeyFile is a PEM PKCS#8 Ed25519 key; empty: keys live in the signing_keys table.
	SigningKeyFile string `mapstructure:"signing_key_file"`
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed (the gateway).
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// HashConcurrency bounds parallel argon2id computations (19 MiB each).
	HashConcurrency int           `mapstructure:"hash_concurrency"`
	AccessTTL       time.Duration `mapstructure:"access_ttl"`
	RefreshTTL      time.Duration `mapstructure:"refresh_ttl"`
	// Bootstrap admin (EVENTAI_ADMIN_*; shared keys, so the unprefixed names work).
	AdminUsername string `mapstructure:"eventai_admin_username" shared:"true"`
	AdminEmail    string `mapstructure:"eventai_admin_email" shared:"true"`
	AdminPassword string `mapstructure:"eventai_admin_password" shared:"true" secret:"true"`
}

// Default is the configuration of a local run.
func Default() Config {
	return Config{
		Service:         libconfig.DefaultService(":8101"),
		TrustedProxies:  []string{"127.0.0.0/8", "::1/128"},
		HashConcurrency: 2,
		AccessTTL:       15 * time.Minute,
		RefreshTTL:      7 * 24 * time.Hour,
	}
}

// Bootstrap reports whether a first admin is configured.
func (c Config) Bootstrap() bool {
	return c.AdminUsername != "" || c.AdminEmail != "" || c.AdminPassword != ""
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	errs := []error{c.Service.Validate()}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("trusted_proxies: %q is not a CIDR", p))
		}
	}
	if c.HashConcurrency < 1 || c.HashConcurrency > 64 {
		errs = append(errs, errors.New("hash_concurrency must be between 1 and 64"))
	}
	if c.AccessTTL < time.Minute || c.AccessTTL > 24*time.Hour {
		errs = append(errs, errors.New("access_ttl must be between 1m and 24h"))
	}
	if c.RefreshTTL <= c.AccessTTL {
		errs = append(errs, errors.New("refresh_ttl must be longer than access_ttl"))
	}
	if c.Bootstrap() && (c.AdminUsername == "" || c.AdminEmail == "" || c.AdminPassword == "") {
		errs = append(errs, errors.New("EVENTAI_ADMIN_USERNAME, EVENTAI_ADMIN_EMAIL and EVENTAI_ADMIN_PASSWORD must be set together"))
	}
	return errors.Join(errs...)
}
