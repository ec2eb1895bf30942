// Package config is the suggestion service's typed settings (CONVENTIONS.md, prefix SUGGESTION_).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	libconfig "github.com/eventai/eventai/libs/config"
)

// Config is every setting of the suggestion process.
type Config struct {
	libconfig.Service `mapstructure:",squash"`
	libconfig.JWKS    `mapstructure:",squash"`
	// LLMBaseURL enables the chat-completions planner (empty: built-in planner only).
	LLMBaseURL string        `mapstructure:"llm_base_url" shared:"true"`
	LLMModel   string        `mapstructure:"llm_model" shared:"true"`
	LLMAPIKey  string        `mapstructure:"llm_api_key" shared:"true" secret:"true"`
	LLMTimeout time.Duration `mapstructure:"llm_timeout" shared:"true"`
}

// Default is the configuration of a local run.
func Default() Config {
	return Config{
		Service:    libconfig.DefaultService(":8105"),
		JWKS:       libconfig.DefaultJWKS(),
		LLMTimeout: 20 * time.Second,
	}
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	errs := []error{c.Service.Validate(), c.JWKS.Validate()}
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
