// SPDX-License-Identifier: MIT

// goagent: maploader's hot-reloading agent written in Go on github.com/cilium/ebpf, the
// way Go agents are. On each SIGHUP it builds a new generation of BPF maps (and, with
// --prog, a program that uses them), fills and pins them, and swaps it in. Its modes are
// the three ways Go agents handle the old generation:
//   - fixed: Close and Unpin it;
//   - leaky: keep it in a rollback history nothing trims, pinned: fds, maps and pins grow;
//   - finalizer: Unpin it but drop it without Close: its fds live until Go's garbage
//     collector runs the finalizers cilium/ebpf sets on them (a sawtooth, not a ramp).
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"leakguard/tgt"
)

const prog = "goagent"

// The tables of one generation: routes by id, a small config array, and prefixes.
var specs = []ebpf.MapSpec{
	{Name: "ga_routes", Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: 1024},
	{Name: "ga_config", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 16},
	{Name: "ga_prefixes", Type: ebpf.LPMTrie, KeySize: 8, ValueSize: 4, MaxEntries: 1024, Flags: unix.BPF_F_NO_PREALLOC},
}

type generation struct {
	id   uint64
	maps []*ebpf.Map
	prog *ebpf.Program
	dir  string // pin directory, "" without --pin
}

func (g *generation) close() {
	for _, m := range g.maps {
		m.Close()
	}
	g.prog.Close() // nil-safe
}

func (g *generation) unpin() {
	if g.dir == "" {
		return
	}
	for _, m := range g.maps {
		m.Unpin()
	}
	os.Remove(g.dir)
}

type agent struct {
	mode     string
	pinDir   string
	entries  int
	withProg bool
	scratch  int
	cur      *generation
	history  []*generation // leaky: every replaced generation, "for rollback", never trimmed
	reloads  uint64
	failed   uint64
	checksum byte
}

// lpmKey is the key of ga_prefixes: prefix length, then an IPv4 address.
type lpmKey struct {
	Prefixlen uint32
	Addr      [4]byte
}

func (a *agent) fill(g *generation) error {
	for k := uint32(0); k < uint32(a.entries); k++ {
		if err := g.maps[0].Put(k, g.id<<32|uint64(k)); err != nil {
			return fmt.Errorf("update ga_routes: %w", err)
		}
		key := lpmKey{Prefixlen: 24}
		binary.BigEndian.PutUint32(key.Addr[:], 0x0a000000|k<<8)
		if err := g.maps[2].Put(key, k); err != nil {
			return fmt.Errorf("update ga_prefixes: %w", err)
		}
	}
	if err := g.maps[1].Put(uint32(0), g.id); err != nil {
		return fmt.Errorf("update ga_config: %w", err)
	}
	return nil
}

// filter is a socket filter that looks up the generation's config: loading it makes the
// program hold the map, as a real data path does.
func filter(config *ebpf.Map) *ebpf.ProgramSpec {
	return &ebpf.ProgramSpec{
		Name:    "ga_filter",
		Type:    ebpf.SocketFilter,
		License: "MIT",
		Instructions: asm.Instructions{
			asm.StoreImm(asm.RFP, -4, 0, asm.Word),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, -4),
			asm.LoadMapPtr(asm.R1, config.FD()),
			asm.FnMapLookupElem.Call(),
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	}
}

// parseConfig stands for reading the configuration on a reload: temporary memory, which
// is what makes Go's garbage collector run (and so the finalizers) every few reloads.
func (a *agent) parseConfig() {
	buf := make([]byte, a.scratch)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(i >> 12)
		a.checksum ^= buf[i]
	}
}

// build makes generation id; on failure it returns the error and, unless leaky, holds
// nothing of that generation.
func (a *agent) build(id uint64) (*generation, error) {
	a.parseConfig()
	g := &generation{id: id}
	fail := func(err error) (*generation, error) {
		if a.mode != "leaky" {
			g.close()
			g.unpin()
		}
		return nil, err
	}
	if a.pinDir != "" {
		g.dir = filepath.Join(a.pinDir, strconv.FormatUint(id, 10))
		if err := os.Mkdir(g.dir, 0o700); err != nil {
			g.dir = ""
			return fail(err)
		}
	}
	for i := range specs {
		spec := specs[i]
		m, err := ebpf.NewMap(&spec) // LEAK-SITE: goagent-map
		if err != nil {
			return fail(fmt.Errorf("create map %s: %w", spec.Name, err))
		}
		g.maps = append(g.maps, m)
	}
	if err := a.fill(g); err != nil {
		return fail(err)
	}
	if a.withProg {
		p, err := ebpf.NewProgram(filter(g.maps[1])) // LEAK-SITE: goagent-prog
		if err != nil {
			return fail(fmt.Errorf("load program ga_filter: %w", err))
		}
		g.prog = p
	}
	if g.dir != "" {
		for i, m := range g.maps {
			path := filepath.Join(g.dir, specs[i].Name)
			if err := m.Pin(path); err != nil { // LEAK-SITE: goagent-pin
				return fail(fmt.Errorf("pin %s: %w", path, err))
			}
		}
	}
	return g, nil
}

// reload builds the next generation and swaps it in; a failed reload keeps the current one.
func (a *agent) reload() {
	next, err := a.build(a.cur.id + 1)
	if err != nil {
		a.failed++
		tgt.Warn(prog, "reload to generation %d failed, keeping %d: %v", a.cur.id+1, a.cur.id, err)
		return
	}
	a.reloads++
	old := a.cur
	a.cur = next
	switch a.mode {
	case "fixed":
		old.close()
		old.unpin()
	case "leaky":
		a.history = append(a.history, old)
	case "finalizer":
		old.unpin() // and forgotten: its fds close when the garbage collector finalizes them
	}
}

func checkPinDir(dir string) error {
	// Like real agents, make our own directory under the bpffs mount (/sys/fs/bpf/<tool>).
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	var sf unix.Statfs_t
	if err := unix.Statfs(dir, &sf); err != nil {
		return err
	}
	if sf.Type != unix.BPF_FS_MAGIC {
		return errors.New("not on a bpf filesystem (mount -t bpf bpf DIR)")
	}
	return nil
}

func main() {
	cli := tgt.Cli{
		Prog: prog,
		Summary: "Loads tables into 3 BPF maps (hash ga_routes, array ga_config, LPM trie ga_prefixes)\n" +
			"with cilium/ebpf and reloads them on SIGHUP by building a new generation and swapping\n" +
			"it in. Leaky mode keeps every old generation open and pinned; finalizer mode drops\n" +
			"them without Close, so Go's garbage collector closes them later.",
		Signals: "SIGHUP reloads (next generation); SIGUSR1 prints counters on stderr; SIGUSR2 runs the\n" +
			"garbage collector now; SIGTERM/SIGINT stop (exit 0)",
		Opts: []*tgt.Opt{
			tgt.ModeOpt("leaky|fixed|finalizer", "leaky: old generations kept and pinned; finalizer: dropped without Close; fixed: closed"),
			{Name: "pin", Arg: "DIR", Help: "pin each generation under DIR/<generation>/ (DIR on a bpf filesystem)"},
			{Name: "entries", Arg: "N", Help: "entries loaded into ga_routes and ga_prefixes per generation", Value: "64"},
			{Name: "prog", Help: "also load a socket filter program per generation that uses its maps"},
			{Name: "scratch", Arg: "SIZE", Help: "temporary memory each reload allocates (how often the garbage collector runs)", Value: "256KiB"},
		},
	}
	cli.Parse(os.Args[1:])
	a := &agent{mode: cli.Mode("leaky", "fixed", "finalizer"), withProg: cli.Flag("prog")}
	a.entries = int(cli.Count("entries", 0))
	if a.entries > 1024 {
		cli.Fail("--entries must be at most 1024 (the maps' capacity)")
	}
	a.scratch = int(cli.Size("scratch"))
	a.pinDir = filepath.Clean(cli.Get("pin"))
	if cli.Get("pin") == "" {
		a.pinDir = ""
	} else if err := checkPinDir(a.pinDir); err != nil {
		tgt.Warn(prog, "--pin %s: %v", a.pinDir, err)
		os.Exit(1)
	}

	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)

	first, err := a.build(1)
	if err != nil {
		tgt.Warn(prog, "load generation 1: %v", err)
		os.Exit(1)
	}
	a.cur = first
	ready := fmt.Sprintf("goagent ready (%s, generation 1", a.mode)
	if a.pinDir != "" {
		ready += ", pinned under " + a.pinDir
	}
	if a.withProg {
		ready += ", with program"
	}
	tgt.Say(ready + ")")

	for s := range sigs {
		switch s {
		case syscall.SIGHUP:
			a.reload()
		case syscall.SIGUSR1:
			tgt.Warn(prog, "generation %d, reloads %d, failed reloads %d, held generations %d",
				a.cur.id, a.reloads, a.failed, 1+len(a.history))
		case syscall.SIGUSR2:
			runtime.GC()
			tgt.Warn(prog, "garbage collected")
		default:
			tgt.Warn(prog, "stopping at generation %d after %d reloads", a.cur.id, a.reloads)
			switch a.mode {
			case "fixed":
				a.cur.close()
				a.cur.unpin()
			case "finalizer":
				a.cur.unpin()
			}
			os.Exit(0)
		}
	}
}
