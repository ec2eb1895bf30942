package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestNewDatabaseIsFreshAndDropped(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		url := NewDatabase(t)
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "t_testnewdatabaseisfreshanddropped_inner_") {
			t.Fatalf("name = %q", name)
		}
	})
	admin, err := pgx.Connect(context.Background(), DefaultURL)
	if err != nil {
		t.Skip(err)
	}
	defer admin.Close(context.Background())
	var n int
	if err := admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Fatalf("database %q still exists after cleanup (%d)", name, n)
	}
}

func TestDBNameIsSafeAndUnique(t *testing.T) {
	a, b := dbName("Test/With Spaces-and-ÜTF"), dbName("Test/With Spaces-and-ÜTF")
	if a == b || len(a) > 63 || strings.ContainsAny(a, " /-Ü") {
		t.Fatalf("names %q %q", a, b)
	}
}
