package gap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMultiProblemFile(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "gap", "gap1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	insts, err := Parse(f, "gap1.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 5 {
		t.Fatalf("problems = %d, want 5", len(insts))
	}
	p := insts[0]
	if p.Agents != 5 || p.Jobs != 15 {
		t.Fatalf("size = %dx%d, want 5x15", p.Agents, p.Jobs)
	}
	// First and last numbers of problem 1 as printed in the file.
	if p.Cost[0][0] != 17 || p.Cost[4][14] != 24 || p.Resource[0][0] != 8 || p.Resource[4][14] != 23 {
		t.Fatalf("matrix corners wrong: %d %d %d %d", p.Cost[0][0], p.Cost[4][14], p.Resource[0][0], p.Resource[4][14])
	}
	want := []int{36, 34, 38, 27, 33}
	for i, c := range want {
		if p.Capacity[i] != c {
			t.Fatalf("capacity[%d] = %d, want %d", i, p.Capacity[i], c)
		}
	}
	if insts[4].Name != "gap1.txt#5" {
		t.Fatalf("name = %q", insts[4].Name)
	}
}

func TestParseSingleProblemFile(t *testing.T) {
	src := "2 3\n1 2 3\n4 5 6\n7 8 9\n1 1 1\n10 20\n"
	insts, err := Parse(strings.NewReader(src), "one.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 1 || insts[0].Agents != 2 || insts[0].Jobs != 3 {
		t.Fatalf("got %+v", insts)
	}
	if insts[0].Cost[1][2] != 6 || insts[0].Resource[0][0] != 7 || insts[0].Capacity[1] != 20 {
		t.Fatalf("values wrong: %+v", insts[0])
	}
}

func TestParseRefusesTruncatedFile(t *testing.T) {
	if _, err := Parse(strings.NewReader("2\n2 3\n1 2 3\n"), "bad.txt"); err == nil {
		t.Fatal("want error for a truncated file")
	}
	if _, err := Parse(strings.NewReader("1\n1 x\n"), "bad.txt"); err == nil {
		t.Fatal("want error for a non-number")
	}
}

func TestParseOptima(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "gap", "optima.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opt, err := ParseOptima(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(opt) != 84 {
		t.Fatalf("rows = %d, want 84", len(opt))
	}
	if o := opt[Key{"gap1.txt", 1}]; o.Value != 261 || !o.Proven {
		t.Fatalf("gap1#1 = %+v", o)
	}
	if o := opt[Key{"gapd.txt", 6}]; o.Value != 12244 || o.Proven {
		t.Fatalf("gapd#6 = %+v", o)
	}
}
