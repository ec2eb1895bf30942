// Package migrations embeds the identity schema's goose migrations.
package migrations

import "embed"

// FS holds the SQL files at its root, as libs/pg.Migrate expects.
//
//go:embed *.sql
var FS embed.FS
