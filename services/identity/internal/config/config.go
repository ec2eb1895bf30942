// Package config is the identity service's typed settings (CONVENTIONS.md, prefix IDENTITY_).
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"
)

// Config is every setting of the identity process.
type Config struct {
	HTTPAddr     string   `mapstructure:"http_addr"`
	DatabaseURL  string   `mapstructure:"database_url" shared:"true" secret:"true"`
	KafkaBrokers []string `mapstructure:"kafka_brokers" shared:"true"`
	JWTIssuer    string   `mapstructure:"jwt_issuer" shared:"true"`
	JWTAudience  string   `mapstructure:"jwt_audience" shared:"true"`
	OTLPEndpoint string   `mapstructure:"otel_exporter_otlp_endpoint" shared:"true"`
	LogLevel     string   `mapstructure:"log_level" shared:"true"`
	// MigrateOnly makes the process apply its migrations and exit 0 without serving (the
	// Kubernetes migration Job sets it).
	MigrateOnly bool `mapstructure:"migrate_only"`
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
		HTTPAddr:        ":8101",
		DatabaseURL:     "postgres://postgres@127.0.0.1:5432/eventai?sslmode=disable",
		KafkaBrokers:    []string{"127.0.0.1:9092"},
		JWTIssuer:       "eventai-identity",
		JWTAudience:     "eventai",
		LogLevel:        "info",
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

// Observability returns the log level and the OTLP endpoint for libs/process.
func (c Config) Observability() (logLevel, otlpEndpoint string) { return c.LogLevel, c.OTLPEndpoint }

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.HTTPAddr == "" {
		errs = append(errs, errors.New("http_addr is empty"))
	}
	if _, err := url.Parse(c.DatabaseURL); err != nil || c.DatabaseURL == "" {
		errs = append(errs, errors.New("database_url is not a URL"))
	}
	if len(c.KafkaBrokers) == 0 {
		errs = append(errs, errors.New("kafka_brokers is empty"))
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		errs = append(errs, errors.New("jwt_issuer and jwt_audience are required"))
	}
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
