// SPDX-License-Identifier: MIT

// gotuner: nstuner's network tuner written in Go on github.com/vishvananda/netns, the way
// Go node agents are. It applies a TCP sysctl inside every network namespace it discovers.
// Leaky mode never closes the handle that remembers the namespace it came from (the bug a
// real tuner shipped): one netns fd per namespace visited.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"leakguard/tgt"
)

const prog = "gotuner"

type tuner struct {
	fixed  bool
	sysctl string
	// counters printed on SIGUSR1
	visited, tuned, skipped, errors uint64
}

// fail counts an error and prints only the first ones: a namespace that vanishes between
// discovery and open is normal under churn and would flood stderr.
func (t *tuner) fail(what string, err error) {
	t.errors++
	if t.errors <= 10 {
		more := ""
		if t.errors == 10 {
			more = " (further errors only counted; SIGUSR1 prints counts)"
		}
		tgt.Warn(prog, "%s: %v%s", what, err, more)
	}
}

// unescape undoes the octal escapes of /proc/mounts (space, tab, newline, backslash).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func under(path, dir string) bool {
	return dir == "/" || strings.HasPrefix(path, dir+"/")
}

func inode(path string) (uint64, bool) {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0, false
	}
	return st.Ino, true
}

// discover returns every namespace visible now, by inode (one path each, the first seen):
// nsfs mounts under netnsDir, as `ip netns add` leaves them, then /proc/*/ns/net.
func (t *tuner) discover(netnsDir string) map[uint64]string {
	found := map[uint64]string{}
	if f, err := os.Open("/proc/self/mounts"); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 || fields[2] != "nsfs" {
				continue
			}
			path := unescape(fields[1])
			if !under(path, netnsDir) {
				continue
			}
			if ino, ok := inode(path); ok {
				if _, dup := found[ino]; !dup {
					found[ino] = path
				}
			}
		}
		f.Close()
	} else {
		t.fail("open /proc/self/mounts", err)
	}
	if d, err := os.Open("/proc"); err == nil {
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			if n[0] < '1' || n[0] > '9' {
				continue
			}
			path := "/proc/" + n + "/ns/net"
			if ino, ok := inode(path); ok {
				if _, dup := found[ino]; !dup {
					found[ino] = path
				}
			}
		}
	} else {
		t.fail("open /proc", err)
	}
	return found
}

// tuneHere reads the sysctl in the current thread's namespace and writes the same value
// back, the way a tuner re-asserts its setting.
func (t *tuner) tuneHere() bool {
	path := "/proc/sys/" + t.sysctl
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.fail("open "+path, err)
		return false
	}
	buf := make([]byte, 256)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		if err == nil {
			err = unix.EIO
		}
		t.fail("read "+path, err)
		if t.fixed {
			unix.Close(fd)
		}
		return false
	}
	if w, err := unix.Pwrite(fd, buf[:n], 0); err != nil || w != n {
		t.fail("write "+path, err)
		if t.fixed {
			unix.Close(fd)
		}
		return false
	}
	unix.Close(fd)
	return true
}

// visit enters the namespace at path, tunes it and comes back. Namespaces belong to
// threads, so the goroutine stays on its thread until it is home again. The bug of leaky
// mode: the handle on the original namespace is never closed (error paths forget theirs).
func (t *tuner) visit(path string) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t.visited++
	origin, err := netns.Get() // LEAK-SITE: gotuner-netns
	if err != nil {
		t.fail("open this thread's netns", err)
		return
	}
	target, err := netns.GetFromPath(path)
	if err != nil {
		t.fail("open "+path, err)
		if t.fixed {
			origin.Close()
		}
		return
	}
	if kind, err := unix.IoctlRetInt(int(target), unix.NS_GET_NSTYPE); err != nil || kind != unix.CLONE_NEWNET {
		t.skipped++ // an nsfs mount of another kind
		target.Close()
		if t.fixed {
			origin.Close()
		}
		return
	}
	if err := netns.Set(target); err != nil {
		t.fail("setns "+path, err)
		if t.fixed {
			target.Close()
			origin.Close()
		}
		return
	}
	target.Close()
	if t.tuneHere() {
		t.tuned++
	}
	if err := netns.Set(origin); err != nil {
		// Staying in a foreign namespace would tune the wrong one from now on.
		tgt.Warn(prog, "setns back to the original namespace: %v", err)
		os.Exit(1)
	}
	if t.fixed {
		origin.Close()
	}
}

func main() {
	cli := tgt.Cli{
		Prog: prog,
		Summary: "Applies a TCP sysctl in every network namespace it discovers (nsfs mounts under\n" +
			"--netns-dir and /proc/*/ns/net), polling; written in Go on vishvananda/netns.\n" +
			"Leaky mode never closes the handle on its own namespace: one fd per namespace visited.",
		Signals: "SIGHUP rescans at once (reload); SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)",
		Opts: []*tgt.Opt{
			tgt.ModeOpt("leaky|fixed", "leaky: the bug is on; fixed: the bug is off"),
			{Name: "netns-dir", Arg: "DIR", Help: "take nsfs mounts under DIR ('/' for all)", Value: "/run/netns"},
			{Name: "interval", Arg: "DUR", Help: "discovery period", Value: "100ms"},
			{Name: "sysctl", Arg: "NAME", Help: "sysctl under /proc/sys to read and write back", Value: "net/ipv4/tcp_keepalive_time"},
		},
	}
	cli.Parse(os.Args[1:])
	mode := cli.Mode("leaky", "fixed")
	t := &tuner{fixed: mode == "fixed", sysctl: cli.Get("sysctl")}
	netnsDir := cli.Get("netns-dir")
	for len(netnsDir) > 1 && strings.HasSuffix(netnsDir, "/") {
		netnsDir = netnsDir[:len(netnsDir)-1]
	}
	interval := cli.Duration("interval")
	if interval <= 0 {
		cli.Fail("--interval must be above 0")
	}

	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGHUP)

	// Namespaces already tuned, rebuilt from each scan so vanished ones are forgotten and
	// memory follows the live count.
	seen := map[uint64]bool{}
	scan := func() {
		next := map[uint64]bool{}
		for ino, path := range t.discover(netnsDir) {
			if !seen[ino] {
				t.visit(path)
			}
			next[ino] = true
		}
		seen = next
	}

	// The namespaces present at start are visited before the ready line: they are baseline.
	scan()
	tgt.Say(fmt.Sprintf("gotuner ready (%s, %d namespaces)", mode, len(seen)))

	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			scan()
		case s := <-sigs:
			switch s {
			case syscall.SIGHUP: // reload, as real tuners do: rediscover now
				scan()
			case syscall.SIGUSR1:
				tgt.Warn(prog, "visited %d, tuned %d, skipped %d, errors %d, tracking %d",
					t.visited, t.tuned, t.skipped, t.errors, len(seen))
			default:
				// Nothing is held between scans in fixed mode: leaving is the whole cleanup.
				tgt.Warn(prog, "stopping: visited %d namespaces, %d errors", t.visited, t.errors)
				os.Exit(0)
			}
		}
	}
}
