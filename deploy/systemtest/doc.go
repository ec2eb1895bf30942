// Package systemtest holds the system tests: they build the real binaries,
// start a whole stack (embedded broker, every service, the gateway) on free
// ports against a fresh database, and drive it over HTTP through the gateway.
//
// The harness (harness_test.go, client_test.go) is shared by every workflow
// test in this package:
//
//	env := Start(t)                     // once per package; skips when identity or gateway is missing
//	admin := env.AdminClient(t)         // logged in as the bootstrap admin
//	admin.JSON("GET", "/admin/users/", nil, 200, &page)
//	c.Problem("GET", "/admin/users/", nil, 403)
//
// Run: go test ./deploy/systemtest -count=1 (TEST_DATABASE_URL picks the server).
package systemtest
