package servicetest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/servicetest"
)

func TestIssuerTokensVerifyAgainstItsJWKS(t *testing.T) {
	iss := servicetest.NewIssuer(t, "iss", "aud")
	id := uuid.New()
	tok := iss.Token(t, auth.Principal{UserID: id, Role: "manager", Username: "m"}, time.Minute)

	v := auth.NewVerifier(iss.JWKSURL, "iss", "aud", &http.Client{Timeout: 5 * time.Second})
	claims, err := v.Verify(t.Context(), tok, auth.TypeAccess)
	require.NoError(t, err)
	require.Equal(t, id.String(), claims.Subject)
	require.Equal(t, "manager", claims.Role)

	other := auth.NewVerifier(iss.JWKSURL, "iss", "another-audience", &http.Client{Timeout: 5 * time.Second})
	_, err = other.Verify(t.Context(), tok, auth.TypeAccess)
	require.Error(t, err, "audience is checked")
}

// fake records the order in which Serve's stop ends things.
type fake struct {
	events []string
}

func (f *fake) Background(ctx context.Context) error {
	<-ctx.Done()
	f.events = append(f.events, "background ended")
	return nil
}

func (f *fake) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Auth", r.Header.Get("Authorization"))
		w.Header().Set("X-Seen-Match", r.Header.Get("If-Match"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"method":"` + r.Method + `","path":"` + r.URL.Path + `"}`))
	})
}

func (f *fake) Close() { f.events = append(f.events, "closed") }

func TestServeDoAndStop(t *testing.T) {
	f := &fake{}
	url, stop := servicetest.Serve(t, f)

	r := servicetest.Do(t, url, "tok", "PUT", "/things/1", map[string]int{"version": 2}, "If-Match", `"2"`)
	require.Equal(t, http.StatusTeapot, r.Status)
	require.Equal(t, map[string]any{"method": "PUT", "path": "/things/1"}, r.Body)
	require.Equal(t, "Bearer tok", r.Header.Get("X-Seen-Auth"))
	require.Equal(t, `"2"`, r.Header.Get("X-Seen-Match"))

	stop()
	stop() // idempotent; cleanup calls it once more
	require.Equal(t, []string{"background ended", "closed"}, f.events)
}
