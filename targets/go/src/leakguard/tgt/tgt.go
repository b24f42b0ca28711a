// SPDX-License-Identifier: MIT

// Package tgt is what the Go reference targets share with the C ones (targets/common.h):
// the same options syntax and messages, --mode, the ready line and the exit codes, so a
// test or a scenario drives a Go target exactly like a C one.
package tgt

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Opt is one --name option; Arg is "" for a flag that takes no value.
type Opt struct {
	Name, Arg, Help string
	Value           string // the default, replaced by what was given
	Given           bool
}

// Cli parses argv the way targets/common.h does: --name VALUE, --name=VALUE, --help.
type Cli struct {
	Prog    string
	Summary string // first lines of --help
	Signals string // what each signal does, for --help
	Opts    []*Opt
}

// ModeOpt is the option every target has: arg lists the modes ("leaky|fixed"); the
// default is fixed, the bug off.
func ModeOpt(arg, help string) *Opt {
	return &Opt{Name: "mode", Arg: arg, Help: help, Value: "fixed"}
}

func (c *Cli) find(name string) *Opt {
	for _, o := range c.Opts {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Get returns the value of option name (its default when not given).
func (c *Cli) Get(name string) string { return c.find(name).Value }

// Flag says whether the flag name was given.
func (c *Cli) Flag(name string) bool { return c.find(name).Given }

// Usage prints --help.
func (c *Cli) Usage(f *os.File) {
	fmt.Fprintf(f, "usage: %s [options]\n%s\n\noptions:\n", c.Prog, c.Summary)
	for _, o := range c.Opts {
		left := "--" + o.Name
		if o.Arg != "" {
			left += " " + o.Arg
		}
		line := fmt.Sprintf("  %-22s %s", left, o.Help)
		if o.Arg != "" && o.Value != "" {
			line += " (default " + o.Value + ")"
		}
		fmt.Fprintln(f, line)
	}
	fmt.Fprintf(f, "  %-22s %s\n", "--help", "print this and exit")
	fmt.Fprintf(f, "\nsignals: %s\n", c.Signals)
}

// Fail prints one line and exits 2, as a bad option does in every target.
func (c *Cli) Fail(msg string) {
	fmt.Fprintf(os.Stderr, "%s: %s (see --help)\n", c.Prog, msg)
	os.Exit(2)
}

// Parse reads args (os.Args[1:]); exits 2 on a bad option, 0 after --help.
func (c *Cli) Parse(args []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--help" || a == "-h" {
			c.Usage(os.Stdout)
			os.Exit(0)
		}
		if !strings.HasPrefix(a, "--") {
			c.Fail("unexpected argument '" + a + "'")
		}
		name, val, inline := strings.Cut(a[2:], "=")
		o := c.find(name)
		if o == nil {
			c.Fail("unknown option --" + name)
		}
		if o.Arg != "" && !inline {
			if i+1 >= len(args) {
				c.Fail("--" + name + " needs a value (" + o.Arg + ")")
			}
			i++
			val = args[i]
		} else if o.Arg == "" && inline {
			c.Fail("--" + name + " takes no value")
		}
		o.Value = val
		o.Given = true
	}
}

// Mode returns --mode, which must be one of modes.
func (c *Cli) Mode(modes ...string) string {
	m := c.Get("mode")
	for _, ok := range modes {
		if m == ok {
			return m
		}
	}
	list := strings.Join(modes[:len(modes)-1], ", ") + " or " + modes[len(modes)-1]
	c.Fail("--mode must be " + list + ", not '" + m + "'")
	return ""
}

// Duration reads "100ms", "2s", "500us".
func (c *Cli) Duration(name string) time.Duration {
	s := c.Get(name)
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		c.Fail("--" + name + " must be a duration like 100ms or 2s, not '" + s + "'")
	}
	return d
}

// Count reads an integer >= min.
func (c *Cli) Count(name string, min int64) int64 {
	s := c.Get(name)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < min {
		c.Fail(fmt.Sprintf("--%s must be an integer >= %d, not '%s'", name, min, s))
	}
	return v
}

// Size reads a byte count: "4096", "256KiB", "1MiB".
func (c *Cli) Size(name string) int64 {
	s := c.Get(name)
	mul := int64(1)
	num := s
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 || v > (1<<40)/mul {
		c.Fail("--" + name + " must be a size like 4096, 256KiB or 1MiB, not '" + s + "'")
	}
	return v * mul
}

// Say prints one line on stdout at once (os.Stdout is not buffered; stdout is a pipe
// under leakguard and a line must not wait).
func Say(line string) { fmt.Fprintln(os.Stdout, line) }

// Warn prints one line on stderr, prefixed with the program name.
func Warn(prog, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", prog, fmt.Sprintf(format, a...))
}
