package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// embedding is how a service's Config uses the shared parts.
type embedding struct {
	Service `mapstructure:",squash"`
	JWKS    `mapstructure:",squash"`
	Own     time.Duration `mapstructure:"own_timeout"`
}

func TestSquashedServiceSettingsReadEnv(t *testing.T) {
	t.Setenv("EMBTEST_HTTP_ADDR", ":9001")
	t.Setenv("DATABASE_URL", "postgres://shared@db/x")
	t.Setenv("EMBTEST_KAFKA_BROKERS", "k1:9092, k2:9092")
	t.Setenv("JWKS_URL", "http://identity:8101/jwks")
	t.Setenv("JWT_ISSUER", "iss")
	t.Setenv("EMBTEST_JWT_AUDIENCE", "aud")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318")
	t.Setenv("LOG_LEVEL", "debug")
	t.Setenv("EMBTEST_MIGRATE_ONLY", "true")
	t.Setenv("EMBTEST_OWN_TIMEOUT", "3s")
	t.Setenv("MIGRATE_ONLY", "false") // not shared: must be ignored
	t.Setenv("HTTP_ADDR", ":1")       // not shared: must be ignored

	cfg := embedding{Service: DefaultService(":8000"), JWKS: DefaultJWKS()}
	if err := Load("EMBTEST", &cfg); err != nil {
		t.Fatal(err)
	}
	want := embedding{
		Service: Service{
			HTTPAddr:     ":9001",
			DatabaseURL:  "postgres://shared@db/x",
			KafkaBrokers: []string{"k1:9092", "k2:9092"},
			JWTIssuer:    "iss",
			JWTAudience:  "aud",
			OTLPEndpoint: "http://otel:4318",
			LogLevel:     "debug",
			MigrateOnly:  true,
		},
		JWKS: JWKS{JWKSURL: "http://identity:8101/jwks"},
		Own:  3 * time.Second,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestSquashedServiceDefaultsKeptAndMaskedFlat(t *testing.T) {
	cfg := embedding{Service: DefaultService(":8102"), JWKS: DefaultJWKS()}
	if err := Load("EMBTEST2", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":8102" || cfg.DatabaseURL != "postgres://postgres@127.0.0.1:5432/eventai?sslmode=disable" ||
		cfg.JWKSURL != "http://127.0.0.1:8101/.well-known/jwks.json" || cfg.MigrateOnly {
		t.Fatalf("defaults changed: %+v", cfg)
	}
	cfg.DatabaseURL = "postgres://app:hunter2@db/x"
	m := Masked(cfg)
	if m["database_url"] != Mask || m["http_addr"] != ":8102" || m["jwks_url"] == nil || m["own_timeout"] != "0s" {
		t.Fatalf("masked = %v", m)
	}
	if _, nested := m["service"]; nested {
		t.Fatalf("squashed settings logged under a nested key: %v", m)
	}
}

func TestServiceValidateNamesEveryBadSetting(t *testing.T) {
	if err := DefaultService(":1").Validate(); err != nil {
		t.Fatalf("default invalid: %v", err)
	}
	if err := DefaultJWKS().Validate(); err != nil {
		t.Fatalf("default JWKS invalid: %v", err)
	}
	s := Service{}
	err := s.Validate()
	if err == nil {
		t.Fatal("empty settings accepted")
	}
	for _, want := range []string{"http_addr", "database_url", "kafka_brokers", "jwt_issuer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not named in %v", want, err)
		}
	}
	if err := (JWKS{JWKSURL: "not a url"}).Validate(); err == nil || !strings.Contains(err.Error(), "jwks_url") {
		t.Errorf("bad JWKS URL: err = %v", err)
	}
}
