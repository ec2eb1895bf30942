// Package migrations embeds the suggestion schema's goose migrations.
package migrations

import "embed"

// FS holds the SQL migrations, applied by pg.Migrate at start.
//
//go:embed *.sql
var FS embed.FS
