// Package config is the gateway's typed configuration (env prefix GATEWAY_).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config is every setting of the gateway. Defaults come from Default; libs/config overlays env
// and file values.
type Config struct {
	HTTPAddr string `mapstructure:"http_addr"`

	IdentityURL   string `mapstructure:"identity_url"`
	CompanyURL    string `mapstructure:"company_url"`
	EventURL      string `mapstructure:"event_url"`
	TaskURL       string `mapstructure:"task_url"`
	SuggestionURL string `mapstructure:"suggestion_url"`

	JWKSURL     string `mapstructure:"jwks_url" shared:"true"`
	JWTIssuer   string `mapstructure:"jwt_issuer" shared:"true"`
	JWTAudience string `mapstructure:"jwt_audience" shared:"true"`

	// CORSOrigins is a comma list of allowed browser origins; "*" is refused.
	CORSOrigins string `mapstructure:"cors_origins"`

	// RateLimit requests per RateWindow per client IP, for every route.
	RateLimit int `mapstructure:"rate_limit"`
	// AuthRateLimit requests per RateWindow per client IP on /auth/login and /auth/register.
	AuthRateLimit int           `mapstructure:"auth_rate_limit"`
	RateWindow    time.Duration `mapstructure:"rate_window"`

	// TrustedProxies is a comma list of IPs or CIDRs whose X-Forwarded-For is believed.
	TrustedProxies string `mapstructure:"trusted_proxies"`

	ReadTimeout     time.Duration `mapstructure:"read_timeout"`
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`
	IdleTimeout     time.Duration `mapstructure:"idle_timeout"`
	UpstreamTimeout time.Duration `mapstructure:"upstream_timeout"`
	DialTimeout     time.Duration `mapstructure:"dial_timeout"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`

	LogLevel     string `mapstructure:"log_level" shared:"true"`
	OTLPEndpoint string `mapstructure:"otel_exporter_otlp_endpoint" shared:"true"`
}

// Default returns the local-development defaults of docs/CONVENTIONS.md.
func Default() Config {
	return Config{
		HTTPAddr:      ":8000",
		IdentityURL:   "http://127.0.0.1:8101",
		CompanyURL:    "http://127.0.0.1:8102",
		EventURL:      "http://127.0.0.1:8103",
		TaskURL:       "http://127.0.0.1:8104",
		SuggestionURL: "http://127.0.0.1:8105",
		JWKSURL:       "http://127.0.0.1:8101/.well-known/jwks.json",
		JWTIssuer:     "eventai-identity",
		JWTAudience:   "eventai",
		CORSOrigins:   "http://localhost:3000,http://localhost:5173,http://127.0.0.1:5173",
		RateLimit:     600,
		AuthRateLimit: 20,
		RateWindow:    time.Minute,
		// Long enough for a 16 MiB schedule upload on a slow link.
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  60 * time.Second,
		// An AI suggestion may run for its time limit (up to a minute); the services' own write
		// timeout is 60 s, so the gateway waits a little longer than that before answering 504.
		UpstreamTimeout: 65 * time.Second,
		DialTimeout:     2 * time.Second,
		ShutdownTimeout: 15 * time.Second,
		LogLevel:        "info",
	}
}

// Upstreams maps service name to base URL.
func (c Config) Upstreams() map[string]string {
	return map[string]string{
		"identity":   c.IdentityURL,
		"company":    c.CompanyURL,
		"event":      c.EventURL,
		"task":       c.TaskURL,
		"suggestion": c.SuggestionURL,
	}
}

// Origins returns the configured CORS origins.
func (c Config) Origins() []string { return splitList(c.CORSOrigins) }

// Proxies returns the configured trusted proxies.
func (c Config) Proxies() []string { return splitList(c.TrustedProxies) }

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports every invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	if c.HTTPAddr == "" {
		errs = append(errs, errors.New("http_addr is required"))
	}
	for name, u := range c.Upstreams() {
		// An empty upstream is allowed: its routes answer 503 until it is configured.
		if u == "" {
			continue
		}
		if err := checkURL(u); err != nil {
			errs = append(errs, fmt.Errorf("%s_url: %w", name, err))
		}
	}
	if err := checkURL(c.JWKSURL); err != nil {
		errs = append(errs, fmt.Errorf("jwks_url: %w", err))
	}
	if c.JWTIssuer == "" || c.JWTAudience == "" {
		errs = append(errs, errors.New("jwt_issuer and jwt_audience are required"))
	}
	for _, o := range c.Origins() {
		if o == "*" {
			errs = append(errs, errors.New("cors_origins: \"*\" is not allowed; list the frontend origins"))
			continue
		}
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("cors_origins: %q is not an origin (scheme://host[:port])", o))
		}
	}
	if c.RateLimit <= 0 || c.AuthRateLimit <= 0 || c.RateWindow <= 0 {
		errs = append(errs, errors.New("rate_limit, auth_rate_limit and rate_window must be positive"))
	}
	for name, d := range map[string]time.Duration{
		"read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout, "idle_timeout": c.IdleTimeout,
		"upstream_timeout": c.UpstreamTimeout, "dial_timeout": c.DialTimeout, "shutdown_timeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive", name))
		}
	}
	return errors.Join(errs...)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want http(s)://host[:port]", raw)
	}
	return nil
}
