// Package config is the suggestion service's typed settings (CONVENTIONS.md, prefix SUGGESTION_).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Config is every setting of the suggestion process.
type Config struct {
	HTTPAddr     string   `mapstructure:"http_addr"`
	DatabaseURL  string   `mapstructure:"database_url" shared:"true" secret:"true"`
	KafkaBrokers []string `mapstructure:"kafka_brokers" shared:"true"`
	JWKSURL      string   `mapstructure:"jwks_url" shared:"true"`
	JWTIssuer    string   `mapstructure:"jwt_issuer" shared:"true"`
	JWTAudience  string   `mapstructure:"jwt_audience" shared:"true"`
	OTLPEndpoint string   `mapstructure:"otel_exporter_otlp_endpoint" shared:"true"`
	LogLevel     string   `mapstructure:"log_level" shared:"true"`
	// MigrateOnly makes the process apply its migrations and exit 0 without serving (the
	// Kubernetes migration Job sets it).
	MigrateOnly bool `mapstructure:"migrate_only"`
	// LLMBaseURL enables the chat-completions planner (empty: built-in planner only).
	LLMBaseURL string        `mapstructure:"llm_base_url" shared:"true"`
	LLMModel   string        `mapstructure:"llm_model" shared:"true"`
	LLMAPIKey  string        `mapstructure:"llm_api_key" shared:"true" secret:"true"`
	LLMTimeout time.Duration `mapstructure:"llm_timeout" shared:"true"`
}

// Default is the configuration of a local run.
func Default() Config {
	return Config{
		HTTPAddr:     ":8105",
		DatabaseURL:  "postgres://postgres@127.0.0.1:5432/eventai?sslmode=disable",
		KafkaBrokers: []string{"127.0.0.1:9092"},
		JWKSURL:      "http://127.0.0.1:8101/.well-known/jwks.json",
		JWTIssuer:    "eventai-identity",
		JWTAudience:  "eventai",
		LogLevel:     "info",
		LLMTimeout:   20 * time.Second,
	}
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
	if u, err := url.Parse(c.JWKSURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, fmt.Errorf("jwks_url %q is not an absolute URL", c.JWKSURL))
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		errs = append(errs, errors.New("jwt_issuer and jwt_audience are required"))
	}
	if c.LLMBaseURL != "" {
		if u, err := url.Parse(c.LLMBaseURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("llm_base_url %q is not an absolute URL", c.LLMBaseURL))
		}
	}
	if c.LLMTimeout < 0 {
		errs = append(errs, errors.New("llm_timeout is negative"))
	}
	return errors.Join(errs...)
}
