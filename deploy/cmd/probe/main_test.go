package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.WriteHeader(http.StatusOK)
		case "/hang":
			<-r.Context().Done() // answers only after the client gave up
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		wantErr string
	}{
		{"ready", srv.URL + "/readyz", time.Second, ""},
		{"not ready", srv.URL + "/down", time.Second, "status 503"},
		{"timeout", srv.URL + "/hang", 20 * time.Millisecond, "deadline exceeded"},
		{"refused", "http://127.0.0.1:1/readyz", time.Second, "connect"},
		{"bad url", "://", time.Second, "build request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check(tt.url, tt.timeout)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("check error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
