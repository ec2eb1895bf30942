package config

import (
	"errors"
	"fmt"
	"net/url"
)

// Service is the settings every service process shares (CONVENTIONS.md "Process settings"). A
// service embeds it in its own Config with `mapstructure:",squash"`, so its keys stay top-level
// (PREFIX_HTTP_ADDR, DATABASE_URL, ...), and adds what is its own beside it.
type Service struct {
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
}

// DefaultService is the shared part of a local run's configuration, listening on httpAddr.
func DefaultService(httpAddr string) Service {
	return Service{
		HTTPAddr:     httpAddr,
		DatabaseURL:  "postgres://postgres@127.0.0.1:5432/eventai?sslmode=disable",
		KafkaBrokers: []string{"127.0.0.1:9092"},
		JWTIssuer:    "eventai-identity",
		JWTAudience:  "eventai",
		LogLevel:     "info",
	}
}

// Observability returns the log level and the OTLP endpoint for libs/process.
func (s Service) Observability() (logLevel, otlpEndpoint string) { return s.LogLevel, s.OTLPEndpoint }

// Validate reports every shared setting that cannot work.
func (s Service) Validate() error {
	var errs []error
	if s.HTTPAddr == "" {
		errs = append(errs, errors.New("http_addr is empty"))
	}
	if _, err := url.Parse(s.DatabaseURL); err != nil || s.DatabaseURL == "" {
		errs = append(errs, errors.New("database_url is not a URL"))
	}
	if len(s.KafkaBrokers) == 0 {
		errs = append(errs, errors.New("kafka_brokers is empty"))
	}
	if s.JWTIssuer == "" || s.JWTAudience == "" {
		errs = append(errs, errors.New("jwt_issuer and jwt_audience are required"))
	}
	return errors.Join(errs...)
}

// JWKS is the setting of a process that verifies tokens against identity's published keys (every
// service but identity, which signs them). Embed it beside Service with `mapstructure:",squash"`.
type JWKS struct {
	JWKSURL string `mapstructure:"jwks_url" shared:"true"`
}

// DefaultJWKS points at identity's JWKS of a local run.
func DefaultJWKS() JWKS {
	return JWKS{JWKSURL: "http://127.0.0.1:8101/.well-known/jwks.json"}
}

// Validate reports a JWKS URL that is not absolute.
func (j JWKS) Validate() error {
	if u, err := url.Parse(j.JWKSURL); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("jwks_url %q is not an absolute URL", j.JWKSURL)
	}
	return nil
}
