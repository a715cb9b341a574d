// Command inspect prints what a task sees of its container: arguments,
// environment, working directory, process id, user, groups, capabilities
// and no_new_privs (from /proc/self/status), who owns its stdio, and every
// entry under /mnt with its mode, owner, size, mtime, link target and (for
// a file) its content. The Docker runtime's tests run it as a task to compare how a
// task started one way sees its container with how one started another way
// does.
//
// An mtime is printed as "archive" when it is the config file's: the task
// archive gives all its entries one mtime.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	fmt.Printf("args: %q\n", os.Args)
	env := os.Environ()
	slices.Sort(env)
	fmt.Printf("env: %q\n", env)
	wd, err := os.Getwd()
	fmt.Printf("cwd: %s %v\n", wd, err)
	fmt.Printf("pid: %d uid: %d gid: %d\n", os.Getpid(), os.Getuid(), os.Getgid())
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("status:", err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		key, _, _ := strings.Cut(line, ":")
		switch key {
		case "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs":
			fmt.Println(strings.Join(strings.Fields(line), " "))
		}
	}
	for fd, name := range []string{"stdin", "stdout", "stderr"} {
		var st syscall.Stat_t
		err := syscall.Fstat(fd, &st)
		fmt.Printf("%s: mode %o %d:%d rdev %d %v\n", name, st.Mode, st.Uid, st.Gid, st.Rdev, err)
	}
	var archive time.Time
	if fi, err := os.Stat("/mnt/iron/config"); err == nil {
		archive = fi.ModTime()
	}
	err = filepath.WalkDir("/mnt", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Printf("%s: error: %v\n", path, err)
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			fmt.Printf("%s: error: %v\n", path, err)
			return nil
		}
		st := fi.Sys().(*syscall.Stat_t)
		mtime := fi.ModTime().UTC().Format(time.RFC3339Nano)
		if fi.ModTime().Equal(archive) {
			mtime = "archive"
		}
		fmt.Printf("%s: %v %d:%d size %d mtime %s", path, fi.Mode(), st.Uid, st.Gid, fi.Size(), mtime)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			fmt.Printf(" -> %s %v", target, err)
		case fi.Mode().IsRegular():
			body, err := os.ReadFile(path)
			fmt.Printf(" %q %v", body, err)
		}
		fmt.Println()
		return nil
	})
	if err != nil {
		fmt.Println("walk:", err)
	}
}
