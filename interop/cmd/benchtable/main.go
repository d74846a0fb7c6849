// Command benchtable turns `go test -bench` output of the interop benchmarks
// into the Markdown tables of BENCHMARKS.md: the median ns/op, B/op and
// allocs/op of every benchmark, and the ratios helper/raw, raw/grpcgo,
// helper/grpcgo, grpcconn/grpcgo and helper-xnet/helper computed from the
// medians of the same run.
//
//	go run ./cmd/benchtable bench.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

type stats struct {
	ns, cpu, bytes, allocs []float64
	ratios                 map[string][]float64 // BenchmarkPaired's "<a>/<b>" metrics
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable bench.txt")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	results := map[string]*stats{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // strip GOMAXPROCS suffix
			}
		}
		st := results[name]
		if st == nil {
			st = &stats{}
			results[name] = st
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				st.ns = append(st.ns, v)
			case "cpu-ns/op":
				st.cpu = append(st.cpu, v)
			case "B/op":
				st.bytes = append(st.bytes, v)
			case "allocs/op":
				st.allocs = append(st.allocs, v)
			default:
				if strings.Contains(fields[i+1], "/") && !strings.HasSuffix(fields[i+1], "/op") {
					if st.ratios == nil {
						st.ratios = map[string][]float64{}
					}
					st.ratios[fields[i+1]] = append(st.ratios[fields[i+1]], v)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	// BenchmarkPaired: clients alternated call by call (see pair_bench_test.go).
	var paired []string
	for _, name := range order {
		if strings.HasPrefix(name, "Paired/") {
			paired = append(paired, name)
		}
	}
	if len(paired) > 0 {
		cols := []string{"grpcgo-2/grpcgo", "grpcconn/grpcgo", "grpcconn-raw/grpcgo", "helper/grpcgo", "helper-xnet/grpcgo", "helper-xnet/helper"}
		fmt.Println("| paired (median, min–max of runs) | " + strings.Join(cols, " | ") + " |")
		fmt.Println("|---" + strings.Repeat("|---:", len(cols)) + "|")
		for _, name := range paired {
			row := "| " + strings.TrimPrefix(name, "Paired/") + " (n=" + strconv.Itoa(len(results[name].ns)) + ")"
			for _, c := range cols {
				v := results[name].ratios[c]
				if len(v) == 0 {
					row += " | –"
					continue
				}
				row += fmt.Sprintf(" | %.2f (%.2f–%.2f)", median(v), slices.Min(v), slices.Max(v))
			}
			fmt.Println(row + " |")
		}
		fmt.Println()
	}

	fmt.Println("| benchmark | n | ns/op (median) | min–max ns/op | CPU ns/op (median) | B/op | allocs/op |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, name := range order {
		st := results[name]
		if strings.HasPrefix(name, "Paired/") {
			continue
		}
		cpu := "–"
		if len(st.cpu) > 0 {
			cpu = fmt.Sprintf("%.0f", median(st.cpu))
		}
		fmt.Printf("| %s | %d | %.0f | %.0f–%.0f | %s | %.0f | %.0f |\n", name, len(st.ns), median(st.ns),
			slices.Min(st.ns), slices.Max(st.ns), cpu, median(st.bytes), median(st.allocs))
	}

	fmt.Println()
	fmt.Println("| RPC / path | helper/raw time | helper−raw allocs | raw/grpcgo time | helper/grpcgo time | helper/helper-raw time | helper−helper-raw allocs |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	type group struct{ rpc, path string }
	var groups []group
	seen := map[group]bool{}
	for _, name := range order {
		parts := strings.Split(name, "/")
		if len(parts) != 3 || parts[0] == "Paired" {
			continue
		}
		g := group{parts[0], parts[1]}
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	get := func(g group, client string) *stats { return results[g.rpc+"/"+g.path+"/"+client] }
	ratio := func(a, b *stats) string {
		if a == nil || b == nil {
			return "–"
		}
		return fmt.Sprintf("%.2f", median(a.ns)/median(b.ns))
	}
	diff := func(a, b *stats) string {
		if a == nil || b == nil {
			return "–"
		}
		return fmt.Sprintf("%+.0f", median(a.allocs)-median(b.allocs))
	}
	for _, g := range groups {
		helper, raw, grpcgo, hraw := get(g, "helper"), get(g, "raw"), get(g, "grpcgo"), get(g, "helper-raw")
		if helper == nil && raw == nil {
			helper, raw = get(g, "helper-nogzip"), get(g, "raw-nogzip")
		}
		fmt.Printf("| %s %s | %s | %s | %s | %s | %s | %s |\n", g.rpc, g.path,
			ratio(helper, raw), diff(helper, raw), ratio(raw, grpcgo), ratio(helper, grpcgo), ratio(helper, hraw), diff(helper, hraw))
	}
	// nogzip variants of e2e-h2c, reported against grpcgo of the same path.
	for _, rpc := range []string{"GetSession", "CreateSession"} {
		g := group{rpc, "e2e-h2c"}
		h, r, gg := get(g, "helper-nogzip"), get(g, "raw-nogzip"), get(g, "grpcgo")
		if h == nil || r == nil {
			continue
		}
		fmt.Printf("| %s e2e-h2c (nogzip) | %s | %s | %s | %s | – | – |\n", rpc, ratio(h, r), diff(h, r), ratio(r, gg), ratio(h, gg))
	}
	// grpcconn (session.Client over grpc-go) and helper-xnet (x/net HTTP/2)
	// against grpc-go's own client and the default helper.
	fmt.Println()
	cpuRatio := func(a, b *stats) string {
		if a == nil || b == nil || len(a.cpu) == 0 || len(b.cpu) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", median(a.cpu)/median(b.cpu))
	}
	fmt.Println("| RPC / path | grpcconn/grpcgo time | grpcconn/grpcgo CPU | grpcconn−grpcgo allocs | grpcconn/grpcconn-raw time | helper-xnet/helper time | helper-xnet/helper CPU | helper-xnet−helper allocs | helper-xnet/grpcgo time |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, g := range groups {
		gc, gg, gcr, hx, h := get(g, "grpcconn"), get(g, "grpcgo"), get(g, "grpcconn-raw"), get(g, "helper-xnet"), get(g, "helper")
		if gc == nil && hx == nil {
			continue
		}
		fmt.Printf("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.rpc, g.path,
			ratio(gc, gg), cpuRatio(gc, gg), diff(gc, gg), ratio(gc, gcr), ratio(hx, h), cpuRatio(hx, h), diff(hx, h), ratio(hx, gg))
	}
}
