// Command benchai measures the optimiser: on OR-Library generalized assignment instances against
// their known optima (default), and on generated events of growing size (-scaling).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/gap"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return // -h printed the usage: not a failure
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchai:", err)
		os.Exit(1)
	}
}

type options struct {
	timeLimit    time.Duration
	stall        time.Duration
	seed         uint64
	iterations   int
	optima       string
	scaling      bool
	shortScaling bool
	paths        []string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("benchai", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: benchai [flags] [instance files or folders ...]")
		fmt.Fprintln(out, "Runs the optimiser on OR-Library GAP instances (a file of several problems, or of one")
		fmt.Fprintln(out, "problem: m n, costs, resources, capacities) against optima.csv; default folder:")
		fmt.Fprintln(out, "services/suggestion/testdata/gap. The last line sums up the gaps.")
		fs.PrintDefaults()
	}
	var o options
	fs.DurationVar(&o.timeLimit, "time-limit", 2*time.Second, "time limit per problem")
	fs.DurationVar(&o.stall, "stall", 0, "stop a problem early after this long without improvement (0 = never)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.IntVar(&o.iterations, "iterations", 0, "cap tabu iterations per problem (with a generous -time-limit the run is then machine-independent)")
	fs.StringVar(&o.optima, "optima", "", "optima.csv (default: optima.csv beside the first input)")
	fs.BoolVar(&o.scaling, "scaling", false, "run the scaling benchmark on generated events (1 s and 10 s budgets)")
	fs.BoolVar(&o.shortScaling, "short-scaling", false, "run the scaling benchmark with 0.2 s and 1 s budgets")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.paths = fs.Args()
	if o.scaling || o.shortScaling {
		budgets := []time.Duration{time.Second, 10 * time.Second}
		if o.shortScaling {
			budgets = []time.Duration{200 * time.Millisecond, time.Second}
		}
		return runScaling(ctx, out, budgets, o.seed)
	}
	return runGAP(ctx, out, o)
}

func defaultPaths() []string {
	if dir := os.Getenv("EVENTAI_DATA_DIR"); dir != "" {
		return []string{filepath.Join(dir, "gap")}
	}
	for _, p := range []string{"services/suggestion/testdata/gap", "testdata/gap", "../../testdata/gap"} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return []string{p}
		}
	}
	return []string{"services/suggestion/testdata/gap"}
}

// instanceFiles expands folders to their instance files (every .txt), keeping files as given.
func instanceFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", p, err)
		}
		var inDir []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".txt") {
				inDir = append(inDir, filepath.Join(p, e.Name()))
			}
		}
		slices.SortFunc(inDir, func(a, b string) int { return naturalCompare(filepath.Base(a), filepath.Base(b)) })
		files = append(files, inDir...)
	}
	if len(files) == 0 {
		return nil, errors.New("no instance files found")
	}
	return files, nil
}

// naturalCompare orders gap2 before gap10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			if len(da) != len(db) {
				return len(da) - len(db)
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func loadOptima(path string, files []string) (map[gap.Key]gap.Optimum, error) {
	if path == "" {
		path = filepath.Join(filepath.Dir(files[0]), "optima.csv")
		if _, err := os.Stat(path); err != nil {
			return nil, nil // no table: objectives only
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open optima: %w", err)
	}
	defer f.Close()
	return gap.ParseOptima(f)
}

func runGAP(ctx context.Context, out io.Writer, o options) error {
	paths := o.paths
	if len(paths) == 0 {
		paths = defaultPaths()
	}
	files, err := instanceFiles(paths)
	if err != nil {
		return err
	}
	optima, err := loadOptima(o.optima, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-14s %6s %9s %9s %9s %8s %8s %8s\n", "problem", "size", "objective", "optimum", "bound", "gap_pct", "time_s", "iters")
	var sumGap, maxGap, total float64
	count, optimal, withOpt := 0, 0, 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("open %s: %w", file, err)
		}
		insts, err := gap.Parse(f, filepath.Base(file))
		f.Close()
		if err != nil {
			return err
		}
		for _, inst := range insts {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res, err := solver.SolveGAP(ctx, inst, solver.GAPOptions{TimeLimit: o.timeLimit, Stall: o.stall, Seed: o.seed, MaxIterations: o.iterations})
			secs := res.Elapsed.Seconds()
			total += secs
			count++
			size := fmt.Sprintf("%dx%d", inst.Agents, inst.Jobs)
			if err != nil {
				fmt.Fprintf(out, "%-14s %6s %9s %9s %9d %8s %8.3f\n", inst.Name, size, "infeasible", "-", res.LowerBound, "-", secs)
				maxGap = 100
				sumGap += 100
				continue
			}
			// The cost is recomputed outside the search so the table cannot report a number the
			// assignment does not have.
			cost, ok := solver.GAPCost(inst, res.Assign)
			if !ok || cost != res.Cost {
				return fmt.Errorf("%s: solver reported %d, assignment costs %d (feasible %v)", inst.Name, res.Cost, cost, ok)
			}
			optStr, gapStr := "-", "-"
			if opt, ok := optima[gap.Key{File: inst.File, Index: inst.Index}]; ok {
				withOpt++
				g := 100 * float64(cost-opt.Value) / float64(opt.Value)
				if g < 0 {
					g = 0 // better than a best-known value
				}
				sumGap += g
				maxGap = max(maxGap, g)
				if cost <= opt.Value {
					optimal++
				}
				optStr, gapStr = fmt.Sprint(opt.Value), fmt.Sprintf("%.3f", g)
			}
			fmt.Fprintf(out, "%-14s %6s %9d %9s %9d %8s %8.3f %8d\n", inst.Name, size, cost, optStr, res.LowerBound, gapStr, secs, res.Iterations)
		}
	}
	mean := 0.0
	if withOpt > 0 {
		mean = sumGap / float64(withOpt)
	}
	fmt.Fprintf(out, "mean_gap_pct=%.3f max_gap_pct=%.3f instances=%d optimal=%d total_s=%.1f\n", mean, maxGap, count, optimal, total)
	return nil
}
