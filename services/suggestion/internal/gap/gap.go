// Package gap reads OR-Library generalized assignment problem (GAP) instances and their known
// optima. It only parses; the optimiser lives in package solver.
package gap

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Instance is one GAP problem: assign every job to exactly one agent so that each agent's
// resource use stays within its capacity, minimising the total cost.
type Instance struct {
	// Name identifies the problem, e.g. "gap1.txt#1".
	Name string
	// File is the base name of the file the problem came from.
	File string
	// Index is the 1-based position of the problem in its file.
	Index int
	// Agents and Jobs are m and n.
	Agents, Jobs int
	// Cost[i][j] is the cost of giving job j to agent i.
	Cost [][]int
	// Resource[i][j] is the capacity job j uses when agent i does it.
	Resource [][]int
	// Capacity[i] is agent i's capacity.
	Capacity []int
}

// Parse reads every problem of an instance file. Two layouts are accepted: a multi-problem file
// (a count, then that many problems) and a single-problem file starting directly with `m n`.
// The layout is detected from the number of integers the file holds, so a file that fits
// neither is refused instead of being misread.
func Parse(r io.Reader, file string) ([]Instance, error) {
	nums, err := readInts(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(nums) < 3 {
		return nil, fmt.Errorf("parse %s: only %d numbers", file, len(nums))
	}
	if single, ok := problemSize(nums, 0); ok && single == len(nums) {
		inst, err := decode(nums, 0, file, 1)
		if err != nil {
			return nil, err
		}
		return []Instance{inst}, nil
	}
	count := nums[0]
	if count <= 0 {
		return nil, fmt.Errorf("parse %s: problem count %d", file, count)
	}
	pos := 1
	out := make([]Instance, 0, count)
	for k := 1; k <= count; k++ {
		size, ok := problemSize(nums, pos)
		if !ok || pos+size > len(nums) {
			return nil, fmt.Errorf("parse %s: problem %d is truncated", file, k)
		}
		inst, err := decode(nums, pos, file, k)
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
		pos += size
	}
	if pos != len(nums) {
		return nil, fmt.Errorf("parse %s: %d numbers left after %d problems", file, len(nums)-pos, count)
	}
	return out, nil
}

// problemSize is the count of integers a problem starting at pos occupies, judged from its
// `m n` header.
func problemSize(nums []int, pos int) (int, bool) {
	if pos+1 >= len(nums) {
		return 0, false
	}
	m, n := nums[pos], nums[pos+1]
	if m <= 0 || n <= 0 || m > 1<<12 || n > 1<<16 {
		return 0, false
	}
	return 2 + 2*m*n + m, true
}

func decode(nums []int, pos int, file string, index int) (Instance, error) {
	m, n := nums[pos], nums[pos+1]
	p := pos + 2
	inst := Instance{
		Name: fmt.Sprintf("%s#%d", file, index), File: file, Index: index,
		Agents: m, Jobs: n,
		Cost: make([][]int, m), Resource: make([][]int, m), Capacity: make([]int, m),
	}
	for i := range m {
		inst.Cost[i] = nums[p : p+n : p+n]
		p += n
	}
	for i := range m {
		inst.Resource[i] = nums[p : p+n : p+n]
		for j, w := range inst.Resource[i] {
			if w < 0 {
				return Instance{}, fmt.Errorf("parse %s: negative resource for agent %d job %d", inst.Name, i, j)
			}
		}
		p += n
	}
	copy(inst.Capacity, nums[p:p+m])
	return inst, nil
}

func readInts(r io.Reader) ([]int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	sc.Split(bufio.ScanWords)
	var nums []int
	for sc.Scan() {
		v, err := strconv.Atoi(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("number %d: %w", len(nums)+1, err)
		}
		nums = append(nums, v)
	}
	return nums, sc.Err()
}

// Optimum is a problem's known optimal (or best known) value as a minimisation problem.
type Optimum struct {
	Value  int
	Proven bool
}

// Key names a problem in an optima table: file base name and 1-based index.
type Key struct {
	File  string
	Index int
}

// ParseOptima reads optima.csv (file,problem,agents,jobs,sense,optimum_or_best_known,status).
func ParseOptima(r io.Reader) (map[Key]Optimum, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read optima: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("read optima: empty file")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"file", "problem", "optimum_or_best_known"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("read optima: no column %q", need)
		}
	}
	out := make(map[Key]Optimum, len(rows)-1)
	for ln, row := range rows[1:] {
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		if s := get("sense"); s != "" && s != "min" {
			return nil, fmt.Errorf("read optima line %d: sense %q, want min", ln+2, s)
		}
		idx, err := strconv.Atoi(get("problem"))
		if err != nil {
			return nil, fmt.Errorf("read optima line %d: problem: %w", ln+2, err)
		}
		val, err := strconv.Atoi(get("optimum_or_best_known"))
		if err != nil {
			return nil, fmt.Errorf("read optima line %d: optimum: %w", ln+2, err)
		}
		out[Key{File: get("file"), Index: idx}] = Optimum{Value: val, Proven: get("status") == "optimal"}
	}
	return out, nil
}
