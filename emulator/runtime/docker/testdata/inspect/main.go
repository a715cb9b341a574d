// Command inspect prints what a task sees of its container: arguments,
// environment, working directory, process id, user, and every entry under
// /mnt with its mode, owner, size, mtime, link target and (for a file) its
// content. The Docker runtime's tests run it as a task to compare how a
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
